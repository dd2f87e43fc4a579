"""Password hashing whose cost is a setting: cheap in the embedded suite (as Django's test
settings swap in a fast hasher), strong by default when served."""

from __future__ import annotations

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

STRONG = "scrypt"
FAST = "pbkdf2:sha256:1"
# Longer passwords are refused where one is set: hashing megabytes is work nobody needs.
MAX_PASSWORD_LENGTH = 1024


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


_DUMMY_HASHES: dict[str, str] = {}


def check_password(stored_hash: str | None, password: str) -> bool:
    """No user, or no password: still one hash's worth of work, so that the time an answer
    takes does not tell which email addresses exist."""
    if not stored_hash:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        dummy = _DUMMY_HASHES.setdefault(method, generate_password_hash("-", method=method))
        check_password_hash(dummy, password or "")
        return False
    return check_password_hash(stored_hash, password or "")


def check_user_password(user, password: str) -> bool:
    """Whether `user` (perhaps None) exists and has this password, in the same time either way."""
    return check_password(user.password_hash if user is not None else None, password)
