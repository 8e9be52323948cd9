"""Secret and field-encryption keys: from the environment, or generated once into var/."""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def load_or_create_key(env_name: str, path: Path, generate: bool) -> str:
    value = os.environ.get(env_name)
    if value:
        return value
    if path.exists():
        return path.read_text().strip()
    if not generate:
        raise ImproperlyConfigured(
            f"{env_name} is not set and {path} does not exist; production needs the key."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
