"""Password hashing whose cost is a setting: cheap in the embedded suite (as Django's test
settings swap in a fast hasher), strong by default when served."""

from __future__ import annotations

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

STRONG = "scrypt"
FAST = "pbkdf2:sha256:1"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password(stored_hash: str | None, password: str) -> bool:
    return bool(stored_hash) and check_password_hash(stored_hash, password)
