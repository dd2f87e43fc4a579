"""UniView's domain errors, each carrying its wire code (see sim_common.errors). Sign-in
refusals are shown to a person as a page and to a program as JSON. KaseyaOne's own refusals
(and an unusable sign-in attempt) are every module's: sim_common.kaseyaone_rp."""

from sim_common.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    Unauthorized,
)
from sim_common.kaseyaone_rp import InvalidLoginAttempt as InvalidLoginAttempt
from sim_common.kaseyaone_rp import KaseyaOneRefused as KaseyaOneRefused
from sim_common.kaseyaone_rp import KaseyaOneUnavailable as KaseyaOneUnavailable


class LoginRefused(Forbidden):
    error = "login_refused"
    message = "You cannot sign in."


class BadCredentials(LoginRefused):
    status_code = 401
    error = "invalid_credentials"
    message = "The username or password is wrong."


class AccountDisabled(LoginRefused):
    error = "account_disabled"
    message = "Your UniView Portal account is disabled. Ask your administrator."


class KaseyaOneLoginRequired(LoginRefused):
    error = "kaseyaone_login_required"
    message = "Your organization requires you to sign in with KaseyaOne. Use Log In with KaseyaOne."


class KaseyaOneLoginOff(LoginRefused):
    error = "kaseyaone_login_off"
    message = "Log In with KaseyaOne is turned off for this UniView Portal."


class NoUniViewAccount(LoginRefused):
    error = "no_uniview_account"
    message = (
        "You signed in to KaseyaOne, but you have no UniView Portal account. Ask your "
        "administrator to create one for you."
    )


class SuperuserRequired(Forbidden):
    error = "superuser_required"
    message = "Only a UniView Portal superuser can see and change Settings > Integrations."


class IntegrationNotAdded(NotFound):
    error = "integration_not_added"
    message = "The KaseyaOne integration has not been added to this UniView Portal."


class IntegrationAlreadyAdded(Conflict):
    error = "integration_already_added"
    message = "The KaseyaOne integration is already added."


class UsernameTaken(Conflict):
    error = "username_taken"
    message = "A UniView Portal user with that username already exists."


class UserNotFound(NotFound):
    error = "user_not_found"
    message = "There is no such UniView Portal user."


class GroupNotFound(NotFound):
    error = "group_not_found"
    message = "There is no such group."


class GroupNameTaken(Conflict):
    error = "group_name_taken"
    message = "A group with that name was already added by hand."


class OrganizationNotFound(NotFound):
    error = "organization_not_found"
    message = "There is no such organization."


class OrganizationNameTaken(Conflict):
    error = "organization_name_taken"
    message = "An organization with that name already exists."


class GroupsManagedByKaseyaOne(Conflict):
    error = "groups_managed_by_kaseyaone"
    message = (
        "Access Groups is on, so the Groups page is view-only: add, edit or remove groups in "
        "KaseyaOne (Admin Settings > Groups)."
    )


class ApplianceNotFound(NotFound):
    error = "appliance_not_found"
    message = "There is no such appliance."


class ApplianceNotAdded(Conflict):
    error = "appliance_not_added"
    message = (
        "This appliance is reported by the Unitrends account but not added to the UniView "
        "Portal yet: add it first."
    )


class AssetNotFound(NotFound):
    error = "asset_not_found"
    message = "There is no such protected asset."


class JobNotFound(NotFound):
    error = "job_not_found"
    message = "There is no such job."


class AlarmNotFound(NotFound):
    error = "conditional_alarm_not_found"
    message = "There is no such conditional alarm."


class PsaNotIntegrated(Conflict):
    error = "psa_not_integrated"
    message = "No PSA is integrated with this UniView Portal."


class PsaAlreadyIntegrated(Conflict):
    error = "psa_already_integrated"
    message = "A PSA is integrated already: remove it before integrating another."


__all__ = [name for name in dir() if name[0].isupper()] + ["InvalidRequest", "Unauthorized"]
