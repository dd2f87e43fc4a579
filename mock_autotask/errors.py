"""Autotask's domain errors, each carrying its wire code (see sim_common.errors). The REST API
answers every error as Autotask's `{"errors": ["..."]}` with the same status; the simulator's own
API as `{"error", "message"}`; pages as a readable page."""

from sim_common.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    SimError,
    Unauthorized,
)


class SignInRefused(Forbidden):
    error = "sign_in_refused"
    message = "You cannot sign in."


class BadCredentials(SignInRefused):
    status_code = 401
    error = "invalid_credentials"
    message = "The username or password is wrong."


class ResourceInactive(SignInRefused):
    error = "resource_inactive"
    message = "Your Autotask account is inactive. Ask your Autotask administrator."


class LiveMobileNotAllowed(SignInRefused):
    error = "livemobile_not_allowed"
    message = "LiveMobile sign-in is not allowed for this Autotask instance."


class AdminRequired(Forbidden):
    error = "admin_required"
    message = "Only a resource whose security level has Admin permission can do that."


class ApiAuthenticationFailed(Unauthorized):
    error = "api_authentication_failed"
    message = "The ApiIntegrationCode, UserName or Secret is not valid."


class ResourceNotFound(NotFound):
    error = "resource_not_found"
    message = "There is no such resource."


class NeverDeleted(SimError):
    """405, with the methods the resource's URL allows instead (its `Allow` header)."""

    status_code = 405
    error = "resources_are_never_deleted"
    message = "Autotask never deletes a resource: make it inactive instead (isActive false)."

    def __init__(self, allow: str) -> None:
        super().__init__()
        self.headers = {"Allow": allow}


class NameTaken(Conflict):
    error = "name_taken"
    message = "That name is taken in this Autotask instance."


class InvalidFilter(InvalidRequest):
    error = "invalid_filter"
    message = "The query's filter is not valid."


__all__ = [name for name in dir() if name[0].isupper()] + ["InvalidRequest", "NotFound"]
