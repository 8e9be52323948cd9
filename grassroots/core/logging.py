"""A logging filter that masks anything shaped like a resident ID number."""

import logging
import re

ID_PATTERN = re.compile(r"(?<![0-9])([0-9]{4})[0-9]{10}([0-9]{3}[0-9Xx])(?![0-9])")


def redact(text: str) -> str:
    return ID_PATTERN.sub(lambda m: f"{m.group(1)}**********{m.group(2)}", text)


class RedactSensitiveFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
