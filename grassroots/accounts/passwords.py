"""Password rules beyond Django's own: letters and digits, and a common-password list we extend."""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import (
    CommonPasswordValidator as DjangoCommonPasswordValidator,
)
from django.contrib.auth.password_validation import (
    MinimumLengthValidator as DjangoMinimumLengthValidator,
)
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    """Django's rule with the project's own message (Django's plural entry is not used in zh)."""

    def get_error_message(self) -> str:
        return _("密码太短：至少需要%(min_length)d个字符。") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要%(min_length)d个字符。") % {"min_length": self.min_length}


class LettersAndDigitsValidator:
    """At least one letter and at least one digit."""

    def validate(self, password: str, user: Any = None) -> None:
        has_letter = any(c.isalpha() for c in password)
        has_digit = any(c.isdigit() for c in password)
        if not (has_letter and has_digit):
            raise ValidationError(
                _("密码必须同时包含字母和数字。"), code="password_letters_and_digits"
            )

    def get_help_text(self) -> str:
        return _("密码必须同时包含字母和数字。")


@lru_cache(maxsize=8)
def _read_list(path: str) -> frozenset[str]:
    file = Path(path)
    if not file.is_file():
        raise ImproperlyConfigured(
            f"GRASSROOTS_EXTRA_COMMON_PASSWORDS points to {path}, which is not a file."
        )
    opener: Any = gzip.open if file.suffix == ".gz" else open
    with opener(file, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip())


def extra_common_passwords() -> frozenset[str]:
    path = getattr(settings, "GRASSROOTS_EXTRA_COMMON_PASSWORDS", "")
    return _read_list(str(path)) if path else frozenset()


class CommonPasswordValidator(DjangoCommonPasswordValidator):
    """Django's offline list of 20,000 common passwords plus the file the setting names."""

    def validate(self, password: str, user: Any = None) -> None:
        if password.lower().strip() in extra_common_passwords():
            raise ValidationError(self.get_error_message(), code="password_too_common")
        super().validate(password, user)
