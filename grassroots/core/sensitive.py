"""Sensitive fields: AES-GCM encryption at rest, keyed hashes for lookup, one masking rule."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
from collections.abc import Callable, Sequence

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

_VERSION = b"g1"


@functools.lru_cache(maxsize=4)
def _derive(purpose: bytes, secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"grassroots", info=purpose).derive(
        secret.encode()
    )


def _encryption_key() -> bytes:
    return _derive(b"field-encryption", settings.FIELD_ENCRYPTION_KEY)


def _hash_key() -> bytes:
    return _derive(b"field-hash", settings.FIELD_ENCRYPTION_KEY)


@functools.lru_cache(maxsize=4)
def _cipher(key: bytes) -> AESGCM:
    return AESGCM(key)


def encrypt(plaintext: str) -> str:
    nonce = os.urandom(12)
    sealed = _cipher(_encryption_key()).encrypt(nonce, plaintext.encode(), _VERSION)
    return (_VERSION + b":" + base64.urlsafe_b64encode(nonce + sealed)).decode()


def decrypt(token: str) -> str:
    version, _, body = token.encode().partition(b":")
    raw = base64.urlsafe_b64decode(body)
    return _cipher(_encryption_key()).decrypt(raw[:12], raw[12:], version).decode()


def keyed_hash(value: str, purpose: str = "exact") -> str:
    """Deterministic HMAC for equality lookup without storing the value."""
    return hmac.new(_hash_key(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """4301**********123X: region prefix and last four stay, the rest is hidden."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def fast_keyed_hash(purpose: str = "exact") -> Callable[[str], str]:
    """``keyed_hash(value, purpose)`` as one OpenSSL call per value (the key is read
    once, not per call); a test keeps the two equal."""
    key = _hash_key()
    prefix = f"{purpose}:"
    digest = hmac.digest

    def hashed(value: str) -> str:
        return digest(key, (prefix + value).encode(), "sha256").hex()

    return hashed


def fast_encrypt() -> Callable[[Sequence[str]], list[str]]:
    """``encrypt`` of many values: the cipher is looked up once and the nonces (12
    random bytes each, as there) are drawn in one call. ``decrypt`` reads the result
    (tested)."""
    cipher = _cipher(_encryption_key())
    version = _VERSION
    head = version + b":"
    encode = base64.urlsafe_b64encode

    def encrypted(plaintexts: Sequence[str]) -> list[str]:
        nonces = os.urandom(12 * len(plaintexts))
        out: list[str] = []
        for n, text in enumerate(plaintexts):
            if not text:
                out.append(text)
                continue
            nonce = nonces[12 * n : 12 * n + 12]
            sealed = cipher.encrypt(nonce, text.encode(), version)
            out.append((head + encode(nonce + sealed)).decode())
        return out

    return encrypted


class EncryptedTextField(models.TextField):
    """Stores ciphertext; Python code sees plaintext. Never filter on it: use its hash column."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
