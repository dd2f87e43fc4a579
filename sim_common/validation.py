"""What a simulator checks of every value a request gives it before the value reaches the
database, for every domain: text that fits its column and that every database can store (no
NUL, which PostgreSQL refuses; no unpaired surrogate, which UTF-8 cannot encode), and whole
numbers within what a column holds. A refusal names the field: `{"error": "invalid_request",
"message", "field"}`.

JSON bodies cannot bring an unpaired surrogate (the JSON parser refuses them, see
`sim_common.web`); seed files, forms and query strings are checked here."""

from __future__ import annotations

import re

from .errors import InvalidRequest

# An Integer column: 32 bits on PostgreSQL, so the same bound everywhere.
INTEGER_MAX = 2**31 - 1
# An email address (RFC 5321 §4.5.3.1: 64 + 1 + 255), as both simulators keep usernames.
MAX_EMAIL_LENGTH = 320
# Text kept in an unbounded Text column (URLs, tokens) is bounded all the same.
MAX_TEXT_LENGTH = 2048
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")  # RFC 3986's characters


def unstorable(value: str) -> str | None:
    """Why no database here can store `value`, or None."""
    if "\x00" in value:
        return "holds a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "holds an unpaired surrogate, which is not Unicode text"
    return None


def _max_length(limit) -> int:
    """A number of characters, or a String(n) column's n (InstrumentedAttribute or Column)."""
    return limit if isinstance(limit, int) else limit.type.length


def text_problem(value, limit, *, required: bool = True, strip: bool = True) -> str | None:
    """What is wrong with `value` as text of at most `limit` characters (a number, or the
    String column that keeps it), stripped unless told not to; None if nothing."""
    if not isinstance(value, str):
        return "must be a string"
    if strip:
        value = value.strip()
    if required and not value:
        return "must not be empty"
    if len(value) > _max_length(limit):
        return f"must be at most {_max_length(limit)} characters long"
    return unstorable(value)


def text(value, field: str, limit, *, required: bool = True, strip: bool = True) -> str:
    """`value` (stripped, unless told not to), or a refusal naming `field`."""
    problem = text_problem(value, limit, required=required, strip=strip)
    if problem:
        raise InvalidRequest(f"'{field}' {problem}.", field=field)
    return value.strip() if strip else value


def keepable_text(value, limit) -> str | None:
    """`value` stripped where it is text a simulator can keep, else None (for data taken as it
    comes, such as another system's groups, where what cannot be kept is left out)."""
    return value.strip() if text_problem(value, limit) is None else None


def text_list(values, field: str, limit) -> list[str]:
    """A list of texts, each checked as `text`."""
    if not isinstance(values, list):
        raise InvalidRequest(f"'{field}' must be a list of strings.", field=field)
    return [text(value, field, limit) for value in values]


def url(value, field: str) -> str:
    """An absolute http(s) URL."""
    value = text(value, field, MAX_TEXT_LENGTH)
    if not _URL.fullmatch(value):
        raise InvalidRequest(f"'{field}' must be an absolute http(s) URL.", field=field)
    return value


def integer(value, field: str, *, minimum: int = 0, maximum: int = INTEGER_MAX) -> int:
    """A whole number (a JSON number, not a string nor a boolean) from `minimum` to `maximum`:
    a number past what a column holds is refused here, not by the database."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidRequest(
            f"'{field}' must be a whole number from {minimum} to {maximum}.", field=field
        )
    return value


def query_integer(value: str, field: str, **bounds) -> int:
    """A query parameter's digits as `integer`."""
    digits = value.isascii() and value.isdigit() and len(value) < 20
    return integer(int(value) if digits else value, field, **bounds)
