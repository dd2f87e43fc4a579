"""Errors that carry their wire code. Plain JSON APIs answer `{"error", "message"}`; pages for a
person render the same error readably. OAuth and SCIM errors have their own classes in the
libraries that speak those protocols."""

from __future__ import annotations


class SimError(Exception):
    status_code = 400
    error = "invalid_request"
    message = "The request is not valid."
    headers: dict[str, str] = {}  # of the answer, e.g. Retry-After; never changed in place

    def __init__(self, message: str | None = None, **details) -> None:
        super().__init__(message or self.message)
        if message:
            self.message = message
        self.details = details

    def to_json(self) -> dict:
        body = {"error": self.error, "message": self.message}
        body.update(self.details)
        return body


class InvalidRequest(SimError):
    pass


class Unauthorized(SimError):
    status_code = 401
    error = "unauthorized"
    message = "Sign in first."


class Forbidden(SimError):
    status_code = 403
    error = "forbidden"
    message = "You are not allowed to do that."


class NotFound(SimError):
    status_code = 404
    error = "not_found"
    message = "There is no such thing."


class Conflict(SimError):
    status_code = 409
    error = "conflict"
    message = "That conflicts with the current state."


class UpstreamError(SimError):
    status_code = 502
    error = "upstream_error"
    message = "Another system did not answer as expected."


class Busy(SimError):
    """The database kept the request waiting past its timeout (a machine far busier than the
    simulator is sized for): nothing was changed, and trying again later may succeed."""

    status_code = 503
    error = "busy"
    message = "The simulator's database is busy. Nothing was changed; try again in a moment."
    headers = {"Retry-After": "1"}
