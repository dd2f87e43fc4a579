"""Password hashing whose cost is a setting: cheap in the embedded suite (as Django's test
settings swap in a fast hasher), strong by default when served. Every check of a person's
password goes through the throttle (`sim_common.throttle`)."""

from __future__ import annotations

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from .throttle import throttled_check

STRONG = "scrypt"
FAST = "pbkdf2:sha256:1"
# Longer passwords are refused where one is set: hashing megabytes is work nobody needs.
MAX_PASSWORD_LENGTH = 1024


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash(method: str) -> str:
    """A hash to check against when there is none, made once per method: making it afresh on
    every refusal would cost a second hash that only unknown accounts pay."""
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash("-", method=method)
    return _DUMMY_HASHES[method]


def check_password(stored_hash: str | None, password: str) -> bool:
    """No user, or no password: still one hash's worth of work, so that the time an answer
    takes does not tell which email addresses exist."""
    if not stored_hash:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password or "")
        return False
    return check_password_hash(stored_hash, password or "")


def check_user_password(user, password: str, *, tenant, account: str) -> bool:
    """Whether `user` (perhaps None) exists and has this password, in the same time either way;
    `account` is the name the person gave, counted in `tenant`'s throttle (None: no tenant's)."""
    stored_hash = user.password_hash if user is not None else None
    return throttled_check(tenant, account, lambda: check_password(stored_hash, password))
