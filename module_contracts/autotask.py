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
in the ID token and userinfo of its client, and in every push.

Its Cooper insights (AT-INS-1: "Cooper will sniff out problems in your Autotask instance ...
You can click a button on the insight to open a table in Autotask where the issues can be
addressed"). The document names none; these are interpretations, each read from what the
document says or what Autotask knows: a Default Security Level with Admin permission under
Automatic User Provisioning (the document: "it is recommended that a low level of security is
used as the default"); Access Groups on with no group mapped (each KaseyaOne sign-in then sets
the Default Security Level, as AT-GRP-1's interpretation has it); active resources whose
timesheet or expense report approver is inactive (an inactive resource cannot sign in, so
nobody approves what they submit)."""

from __future__ import annotations

from collections.abc import Mapping

from .base import ClaimSource, ModuleContract, Push
from .insights import Action, Clause, InsightRule, Insights
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


# What Autotask's telemetry reports (mock_autotask.telemetry): flags and counts, nothing that
# names a resource, a level or a group.
FACTS = {
    "automatic_user_provisioning": "flag",
    "default_security_level_has_admin_permission": "flag",
    "access_groups": "flag",
    "access_group_mappings": "count",
    "active_resources_with_inactive_timesheet_approver": "count",
    "active_resources_with_inactive_expense_approver": "count",
}
INTEGRATION_PAGE = "Admin > Extensions & Integrations > Kaseya Integrations > KaseyaOne"
RESOURCES_PAGE = "Admin > Resources/Users (HR) > Resources"


def _on(fact: str) -> dict:
    return {"fact": fact, "op": "eq", "value": True}


def _some(fact: str) -> dict:
    return {"fact": fact, "op": "gt", "value": 0}


INSIGHTS = Insights(
    source="Autotask Module",
    facts=FACTS,
    rules=(
        InsightRule(
            key="admin_default_security_level",
            component="Automatic User Provisioning",
            name="New Autotask users get Admin permission",
            summary="Every KaseyaOne user granted access to Autotask gets an account with the "
            "Default Security Level, and yours has Admin permission. For security reasons, a low "
            "level of security is recommended as the default.",
            trigger=Clause(
                "Send if Automatic User Provisioning is on and its Default Security Level has "
                "Admin permission.",
                {
                    "all": [
                        _on("automatic_user_provisioning"),
                        _on("default_security_level_has_admin_permission"),
                    ]
                },
            ),
            exclusions=(),
            action=Action(
                "default_security_level",
                "Choose a lower Default Security Level",
                f"In {INTEGRATION_PAGE}, choose a Default Security Level without Admin "
                "permission (Team Member, say) and click Save, or turn Automatic User "
                "Provisioning off.",
            ),
        ),
        InsightRule(
            key="access_groups_unmapped",
            component="Access Groups",
            name="Access Groups are on with no KaseyaOne group mapped",
            summary="With Access Groups on, each sign-in through KaseyaOne sets the user's "
            "Security Level from the first mapped group they are in; with none mapped, every "
            "user gets the Default Security Level, administrators included.",
            trigger=Clause(
                "Send if Access Groups are on and no KaseyaOne group is mapped to a Security "
                "Level.",
                {
                    "all": [
                        _on("access_groups"),
                        {"fact": "access_group_mappings", "op": "eq", "value": 0},
                    ]
                },
            ),
            exclusions=(),
            action=Action(
                "access_group_mappings",
                "Map KaseyaOne groups to Security Levels",
                f"In {INTEGRATION_PAGE}, under Access Groups, pick a KaseyaOne group and the "
                "Security Level its members get, and click Save; or turn Access Groups off.",
            ),
        ),
        InsightRule(
            key="inactive_timesheet_approver",
            component="Resources",
            name="Timesheets are waiting for an inactive approver",
            summary="Some active resources have an inactive resource as their timesheet "
            "approver: an inactive resource cannot sign in, so their timesheets are never "
            "approved.",
            trigger=Clause(
                "Send if an active resource's timesheet approver is inactive.",
                _some("active_resources_with_inactive_timesheet_approver"),
            ),
            exclusions=(),
            action=Action(
                "timesheet_approvers",
                "Assign active timesheet approvers",
                f"In {RESOURCES_PAGE}, give each resource marked as waiting an active timesheet "
                "approver and click Save, or make the approver active again.",
            ),
        ),
        InsightRule(
            key="inactive_expense_approver",
            component="Resources",
            name="Expense reports are waiting for an inactive approver",
            summary="Some active resources have an inactive resource as their expense report "
            "approver: an inactive resource cannot sign in, so their expense reports are never "
            "approved.",
            trigger=Clause(
                "Send if an active resource's expense report approver is inactive.",
                _some("active_resources_with_inactive_expense_approver"),
            ),
            exclusions=(),
            action=Action(
                "expense_approvers",
                "Assign active expense report approvers",
                f"In {RESOURCES_PAGE}, give each resource marked as waiting an active expense "
                "report approver and click Save, or make the approver active again.",
            ),
        ),
    ),
)

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
    insights=INSIGHTS,
)
