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
    message = (
        "Unified Login with KaseyaOne is on for this Autotask instance: LiveMobile users are not "
        "allowed to sign in."
    )


class KaseyaOneLoginRequired(SignInRefused):
    error = "kaseyaone_login_required"
    message = (
        "Require Login with KaseyaOne is on for this Autotask instance: sign in with Log In with "
        "KaseyaOne."
    )


class NoUserException(SignInRefused):
    error = "no_user_exception"
    message = (
        "The Bypass URL is only for users granted an exception to Require Login with KaseyaOne, "
        "and you have none. Sign in with Log In with KaseyaOne."
    )


class UnifiedLoginOff(SignInRefused):
    error = "unified_login_off"
    message = "Unified Login is off for this Autotask instance: sign in with Autotask credentials."


class NoAutotaskAccount(SignInRefused):
    error = "no_autotask_account"
    message = (
        "You signed in to KaseyaOne, but you have no Autotask account, and Automatic User "
        "Provisioning is off. Ask your Autotask administrator to create one for you."
    )


class ProvisioningFailed(Conflict):
    error = "provisioning_failed"
    message = "Autotask could not create an account. Ask your Autotask administrator."


class IntegrationNotAdded(NotFound):
    error = "integration_not_added"
    message = "The KaseyaOne integration has not been added to this Autotask instance."


class IntegrationAlreadyAdded(Conflict):
    error = "integration_already_added"
    message = "The KaseyaOne integration is already added to this Autotask instance."


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
