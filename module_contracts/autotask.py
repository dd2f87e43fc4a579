"""Autotask's contract with KaseyaOne (autotask-kaseyaone-integration.txt: Admin > Extensions &
Integrations > Kaseya Integrations > KaseyaOne). Its settings: Unified Login, Require Login with
KaseyaOne, Automatic User Provisioning with its five required defaults (AT-PROV-2), and Access
Groups mapping KaseyaOne groups to Security Levels in an order (AT-GRP-1/2). The values of the
defaults and of the mapping are Autotask's own (its security levels, departments, roles and
approvers): Autotask sends them as options with its settings document.

Lifecycle (interpretations: the document names no deprovisioning setting, and Autotask never
deletes a resource): with Automatic User Provisioning on, a user granted access is provisioned
(AT-PROV-1: created, or linked to the resource with the same email, AT-PROV-3); deactivated,
deleted or losing access, made inactive; re-activated, active again. A provisioning push links
the resource whose email address is the KaseyaOne username, where there is one.

What Autotask learns of a user is the username and the access level, nothing else (AT-DATA-1):
in the ID token and userinfo of its client, and in every push."""

from __future__ import annotations

from collections.abc import Mapping

from .base import ClaimSource, ModuleContract, Push
from .settings import Choice, OrderedMapping, SettingsRules, Toggle

LOGIN = "unified_login"
PROVISIONING = "automatic_user_provisioning"
SECURITY_LEVEL = "default_security_level"
MAPPINGS = "access_group_mappings"
REQUIRED = (PROVISIONING, True)

RULES = SettingsRules(
    (
        Toggle(LOGIN, "Unified Login", default=True, needs_login=False, confirm=False),
        Toggle("require_login", "Require Login with KaseyaOne", confirm=True),
        Toggle(PROVISIONING, "Automatic User Provisioning"),
        Choice(SECURITY_LEVEL, "Default Security Level", required_when=REQUIRED),
        Choice("default_timesheet_approver", "Default Timesheet Approver", required_when=REQUIRED),
        Choice("default_department", "Default Department", required_when=REQUIRED),
        Choice(
            "default_expense_report_approver",
            "Default Expense Report Approver",
            required_when=REQUIRED,
        ),
        Choice("default_role", "Default Role", required_when=REQUIRED),
        Toggle("access_groups", "Access Groups"),
        OrderedMapping(
            MAPPINGS,
            "Access Groups mapping",
            key_label="KaseyaOne group",
            value_label="Security Level",
            value_options=SECURITY_LEVEL,
        ),
    ),
    login=LOGIN,
)


def access_level(settings: Mapping, groups: tuple) -> str | None:
    """The Security Level of the first mapped group the user is in, in the mapping's order
    (AT-GRP-2); None with Access Groups off or no mapped group (the default applies)."""
    if not settings.get("access_groups"):
        return None
    mine = {group_id for group_id, _ in groups}
    return next(
        (str(pair["value"]) for pair in settings.get(MAPPINGS) or [] if pair["key"] in mine), None
    )


def claims(user: ClaimSource) -> dict:
    return {
        "preferred_username": user.email,
        "access_level": access_level(user.settings, user.groups),
    }


CONTRACT = ModuleContract(
    kind="autotask",
    name="Autotask",
    rules=RULES,
    lifecycle={
        "access_granted": Push("provision", PROVISIONING),
        "deactivated": Push("disable", PROVISIONING),
        "activated": Push("enable", PROVISIONING),
        "deleted": Push("disable", PROVISIONING),
        "access_withdrawn": Push("disable", PROVISIONING),
    },
    claims=claims,
    access_level=access_level,
    link_by="emails.value",
)
