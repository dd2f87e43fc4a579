"""Checks of the values people and programs send, shared by the REST API, the simulator's own
API, the pages and the seed: each answers a clear 400 naming the field, never a 500 later in the
database (a NUL byte PostgreSQL refuses, an unpaired surrogate UTF-8 cannot encode, a number an
Integer column cannot hold, a string longer than its column)."""

from __future__ import annotations

from sim_common.errors import InvalidRequest

# What an Integer column holds everywhere (32 bits on PostgreSQL).
MAX_INTEGER = 2**31 - 1


def text(value, field: str, max_length: int, *, required: bool = True) -> str | None:
    """A string of at most `max_length` characters, stripped; "" and None are "not given"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidRequest(f"'{field}' is required.", field=field)
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"'{field}' must be a string.", field=field)
    value = value.strip()
    if not storable(value):
        raise InvalidRequest(
            f"'{field}' must not contain a NUL character or an unpaired surrogate.", field=field
        )
    if len(value) > max_length:
        raise InvalidRequest(
            f"'{field}' must be at most {max_length} characters long.", field=field
        )
    return value


def storable(value: str) -> bool:
    """Whether every database here can keep `value`: no NUL, and valid Unicode."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def flag(value, field: str) -> bool:
    """Autotask takes `true` or `false` for a boolean, nothing else."""
    if not isinstance(value, bool):
        raise InvalidRequest(f"'{field}' must be true or false.", field=field)
    return value


def integer(value, field: str) -> int:
    """A whole number a database column can hold; a string of digits counts."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 30:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"'{field}' must be a whole number.", field=field)
    if not -MAX_INTEGER <= value <= MAX_INTEGER:
        raise InvalidRequest(f"'{field}' is out of range.", field=field)
    return value


def reject_unknown(body: dict, known, what: str) -> None:
    unknown = sorted(str(key)[:64] for key in body if key not in known)
    if unknown:
        raise InvalidRequest(
            f"{what} has no field {', '.join(unknown)}; it has {', '.join(known)}.",
            field=unknown[0],
        )
