"""The UniView Portal's contract with KaseyaOne (uniview-kaseyaone-integration.txt, "Configuring
KaseyaOne centralized user management"): its settings and their rules (UV-SSO-3/4, UV-SYNC-3),
what KaseyaOne pushes to it with Automatic User Deprovisioning on (UV-DEP-1..3: disable on
deactivation or lost access, delete on deletion — the module disables where it cannot delete),
and what its OpenID Connect client learns of a user."""

from __future__ import annotations

from .base import ClaimSource, ModuleContract, Push
from .settings import Choice, SettingsRules, Toggle

ROLES = ("superuser", "administrator", "monitor")
LOGIN = "login_with_kaseyaone"
DEPROVISIONING = "automatic_user_deprovisioning"

RULES = SettingsRules(
    (
        # Turning it off, and Require Login on, need an extra confirmation in KaseyaOne
        # (UV-SYNC-3, an interpretation).
        Toggle(LOGIN, "Log In with KaseyaOne", default=True, needs_login=False, confirm=False),
        Toggle("require_login", "Require Log In with KaseyaOne", confirm=True),
        Toggle("automatic_user_creation", "Automatic User Creation"),
        Toggle(DEPROVISIONING, "Automatic User Deprovisioning"),
        Toggle("access_groups", "Access Groups"),
        Choice("default_role", "Default role", default="monitor", choices=ROLES),
    ),
    login=LOGIN,
)
SETTINGS = RULES.names
# The toggles that need Log In with KaseyaOne (the default role does too, but is not a toggle).
DEPENDENT_SETTINGS = tuple(s.name for s in RULES.dependent if isinstance(s, Toggle))


def claims(user: ClaimSource) -> dict:
    """Email, name, KaseyaOne groups (names, and each with its id: UniView keys the groups it
    imports by id, so a renamed group stays the same group), and whether the user has access to
    this module instance."""
    claims = {"kaseyaone_tenant": user.tenant, "module_access": user.module_access}
    if "email" in user.scopes:
        claims.update(email=user.email, email_verified=True)
    if "profile" in user.scopes:
        claims["name"] = user.name
    if "groups" in user.scopes:
        claims["groups"] = [name for _, name in user.groups]
        claims["kaseyaone_groups"] = [{"id": id_, "name": name} for id_, name in user.groups]
    return claims


CONTRACT = ModuleContract(
    kind="uniview",
    name="UniView Portal",
    rules=RULES,
    lifecycle={
        "deactivated": Push("disable", DEPROVISIONING),
        "activated": Push("enable", DEPROVISIONING),
        "deleted": Push("delete", DEPROVISIONING),
        "access_withdrawn": Push("disable", DEPROVISIONING),
    },
    claims=claims,
)
