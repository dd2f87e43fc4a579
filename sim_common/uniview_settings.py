"""The UniView integration's centralized-user-management settings and their rules, known to
both sides: UniView (Settings > Integrations > KaseyaOne) and KaseyaOne (Module Management).
The rules hold whichever side makes the change (UV-SSO-3/4): turning Log In with KaseyaOne
off turns every other setting off, and while it is off none of them may change. Some changes
made in KaseyaOne need an extra confirmation (UV-SYNC-3, an interpretation)."""

from __future__ import annotations

from .errors import Conflict, InvalidRequest

ROLES = ("superuser", "administrator", "monitor")
LOGIN = "login_with_kaseyaone"
DEPENDENT_SETTINGS = (
    "require_login",
    "automatic_user_creation",
    "automatic_user_deprovisioning",
    "access_groups",
)
SETTINGS = (LOGIN, *DEPENDENT_SETTINGS, "default_role")
DEFAULTS = {LOGIN: True, **dict.fromkeys(DEPENDENT_SETTINGS, False), "default_role": "monitor"}
# The highest version either side accepts and stores (an INTEGER column, 32 bits on PostgreSQL).
MAX_VERSION = 2**31 - 1


class SettingLocked(Conflict):
    error = "kaseyaone_login_disabled"
    message = (
        "Log In with KaseyaOne is off, so the other centralized user management settings are off "
        "and cannot be changed. Turn Log In with KaseyaOne on first."
    )


class VersionExhausted(Conflict):
    error = "settings_version_exhausted"
    message = (
        f"The settings document is at version {MAX_VERSION}, the highest either side keeps: no "
        "newer version can be made."
    )


class ConfirmationRequired(Conflict):
    error = "confirmation_required"
    message = "This change needs an extra confirmation: send it again with confirmed true."


def changed_settings(current: dict, changes: dict) -> dict:
    """The settings a change would set (only those that differ), as a whole or not at all."""
    if not isinstance(changes, dict) or not changes:
        raise InvalidRequest(f"Send the settings to change: any of {', '.join(SETTINGS)}.")
    unknown = sorted(set(changes) - set(SETTINGS))
    if unknown:
        raise InvalidRequest(
            f"Unknown setting(s): {', '.join(unknown)}. The settings are {', '.join(SETTINGS)}.",
            fields=unknown,
        )
    for key, value in changes.items():
        if key == "default_role":
            if value not in ROLES:
                raise InvalidRequest(
                    f"'default_role' must be one of {', '.join(ROLES)}.", field=key
                )
        elif not isinstance(value, bool):
            raise InvalidRequest(f"'{key}' must be true or false.", field=key)
    if not changes.get(LOGIN, current[LOGIN]):
        locked = [
            k
            for k in (*DEPENDENT_SETTINGS, "default_role")
            if k in changes and changes[k] != (False if k != "default_role" else current[k])
        ]
        if locked:
            raise SettingLocked(fields=locked)
        changes = {**changes, **dict.fromkeys(DEPENDENT_SETTINGS, False)}
    return {k: changes[k] for k in SETTINGS if k in changes and current[k] != changes[k]}


def needing_confirmation(changed: dict) -> list[str]:
    """Turning Log In with KaseyaOne off, or Require Login on (UV-SYNC-3, interpretation)."""
    needs = []
    if changed.get(LOGIN) is False:
        needs.append(LOGIN)
    if changed.get("require_login") is True:
        needs.append("require_login")
    return needs


def check_version(version, settings) -> None:
    """A settings document as either side sends it: a version (an integer from 0 to
    MAX_VERSION, which both sides store) and a settings object."""
    if (
        isinstance(version, bool)
        or not isinstance(version, int)
        or not 0 <= version <= MAX_VERSION
        or not isinstance(settings, dict)
    ):
        raise InvalidRequest("Send an integer 'version' (0 to 2^31 - 1) and a 'settings' object.")


def next_version(version: int) -> int:
    """The version a change makes: one the other side accepts, or none (a version pushed at
    MAX_VERSION leaves no newer one; making it anyway would leave the sides apart)."""
    if version >= MAX_VERSION:
        raise VersionExhausted()
    return version + 1


def whole_document(current: dict, settings: dict) -> dict:
    """A settings document the other side sends, taken as a whole (not as a change: the other
    side applied the rules when it was made): known keys, right types, and consistent — with
    Log In with KaseyaOne off, every dependent setting off."""
    if not isinstance(settings, dict):
        raise InvalidRequest("'settings' must be an object.")
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise InvalidRequest(f"Unknown setting(s): {', '.join(unknown)}.", fields=unknown)
    document = {**current, **settings}
    if document["default_role"] not in ROLES or not all(
        isinstance(document[k], bool) for k in (LOGIN, *DEPENDENT_SETTINGS)
    ):
        raise InvalidRequest("The settings document has a value of the wrong kind.")
    if not document[LOGIN] and any(document[k] for k in DEPENDENT_SETTINGS):
        raise SettingLocked(
            "The settings document turns Log In with KaseyaOne off but not "
            "the settings that need it."
        )
    return document
