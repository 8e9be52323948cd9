"""`grassroots check --deploy` is clean with the production and MLPS profiles."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

BIN = Path(sys.executable).with_name("grassroots")

PRINT_SETTINGS = """
from django.conf import settings as s
print(s.GRASSROOTS_PASSWORD_MAX_AGE_DAYS, ",".join(s.GRASSROOTS_REQUIRE_2FA_ROLES),
      s.SESSION_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)
"""


def run(profile: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRASSROOTS_")}
    env.pop("DATABASE_URL", None)
    # Set in this process by the browser-test fixture; a real deployment never has it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        DJANGO_SETTINGS_MODULE=f"grassroots.config.settings.{profile}",
        # Production refuses to start without its keys: give it real-looking ones.
        GRASSROOTS_SECRET_KEY=secrets.token_urlsafe(64),
        GRASSROOTS_FIELD_KEY=Fernet.generate_key().decode(),
        GRASSROOTS_ALLOWED_HOSTS="grassroots.example.org",
        GRASSROOTS_VAR_DIR=str(tmp_path),
    )
    return subprocess.run(
        [str(BIN), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("profile", ["production", "mlps"])
def test_deploy_check_has_no_warnings(profile, tmp_path):
    result = run(profile, tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output and "?:" not in output


def test_production_refuses_to_start_without_keys(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRASSROOTS_")}
    env.update(
        DJANGO_SETTINGS_MODULE="grassroots.config.settings.production",
        GRASSROOTS_VAR_DIR=str(tmp_path / "empty"),
    )
    result = subprocess.run(
        [str(BIN), "check"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode != 0
    assert "production needs the key" in result.stderr


def test_mlps_profile_turns_on_expiry_and_two_factor(tmp_path):
    production = run("production", tmp_path, "shell", "--no-imports", "-c", PRINT_SETTINGS)
    mlps = run("mlps", tmp_path, "shell", "--no-imports", "-c", PRINT_SETTINGS)
    assert production.stdout.split() == ["0", "True", "True", "31536000"], production.stderr
    assert mlps.stdout.split() == ["90", "province-staff,superuser", "True", "True", "31536000"], (
        mlps.stderr
    )
