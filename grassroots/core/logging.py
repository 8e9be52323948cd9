"""Log redaction: resident ID numbers are masked and secrets (passwords, tokens, codes) removed.

``RedactSensitiveFilter`` (named in ``LOGGING``) masks the records that reach its handler and, when
logging is configured, installs the same redaction as the process's log-record factory, so every
handler — a file, syslog, a test's log capture — receives the masked text, tracebacks included.
"""

import logging
import re

ID_PATTERN = re.compile(r"(?<![0-9])([0-9]{4})[0-9]{10}([0-9]{3}[0-9Xx])(?![0-9])")
# key=value, key: value, 'key': 'value' and "key": "value" for keys that name a secret.
SECRET_KEYS = (
    r"password\d?|passwd|pwd|old_password|new_password\d|secret|otp|token|api_key|authorization"
)
SECRET_PATTERN = re.compile(
    r"""(?P<key>["']?(?:""" + SECRET_KEYS + r""")["']?\s*[=:]\s*)"""
    r"""(?P<value>"[^"]*"|'[^']*'|(?:Bearer\s+)?[^\s&,;)}\]]+)""",
    re.IGNORECASE,
)
BEARER_PATTERN = re.compile(r"\bgrt_[A-Za-z0-9_\-]{8,}")
MASK = "********"


def _mask_secret(match: re.Match) -> str:
    value = match.group("value")
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{match.group('key')}{quote}{MASK}{quote}"


def redact(text: str) -> str:
    text = ID_PATTERN.sub(lambda m: f"{m.group(1)}**********{m.group(2)}", text)
    text = SECRET_PATTERN.sub(_mask_secret, text)
    return BEARER_PATTERN.sub("grt_" + MASK, text)


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    if getattr(record, "_grassroots_redacted", False):
        return record
    record._grassroots_redacted = True  # type: ignore[attr-defined]
    try:
        message = record.getMessage()
    except Exception:  # a malformed record is logging's to report, not ours
        return record
    redacted = redact(message)
    if redacted != message:
        record.msg, record.args = redacted, None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


_installed = False


def install_record_redaction() -> None:
    """Every log record is redacted when it is created, whichever handler receives it."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        return redact_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True


class RedactSensitiveFilter(logging.Filter):
    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        install_record_redaction()

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True
