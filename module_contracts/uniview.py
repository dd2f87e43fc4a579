"""The UniView Portal's contract with KaseyaOne (uniview-kaseyaone-integration.txt, "Configuring
KaseyaOne centralized user management"): its settings and their rules (UV-SSO-3/4, UV-SYNC-3),
what KaseyaOne pushes to it with Automatic User Deprovisioning on (UV-DEP-1..3: disable on
deactivation or lost access, delete on deletion — the module disables where it cannot delete),
what its OpenID Connect client learns of a user, and its Cooper insights ("Working with Cooper
Insights in KaseyaOne": the tables "Insight details" and "Resolving insights", UV-INS-1..8)."""

from __future__ import annotations

from .base import ClaimSource, ModuleContract, Push
from .insights import Action, Clause, InsightRule, Insights
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


# What UniView's telemetry reports (mock_uniview.facts), all on the UniView tenant's clock. An
# appliance "not added" is one the tenant's Unitrends account reports that has no UniView record
# yet (an interpretation); appliances and jobs count only once added.
FACTS = {
    "tenant_added_at": "date",
    "helix_auto_update_appliances": "count",
    "unadded_appliances_with_protected_assets": "count",
    "scheduled_dca_jobs": "count",
    "scheduled_backup_copy_jobs": "count",
    "backup_alarms": "count",
    "replication_alarms": "count",
    "psa_integrated": "flag",
    "psa_added_at": "date",
    "psa_closes_tickets_by_status": "flag",
    "organizations_mapped_to_psa": "count",
}


def _none(fact: str) -> dict:
    return {"fact": fact, "op": "eq", "value": 0}


# Every insight excludes tenants added less than 7 days ago.
TENANT_IS_NEW = Clause(
    "Tenant was added < 7 days ago.",
    {"fact": "tenant_added_at", "op": "less_than_days_ago", "value": 7},
)
APPLIANCE_NOT_ADDED = Clause(
    "A Unitrends appliance with at least one protected asset has not been added to the UniView "
    "Portal.",
    {"fact": "unadded_appliances_with_protected_assets", "op": "gt", "value": 0},
)
NO_PSA = {"fact": "psa_integrated", "op": "eq", "value": False}
ADMIN_GUIDE = (
    "the Administrator Guide for Recovery Series, Recovery MAX, ION/ION+, and Unitrends Backup"
)

INSIGHTS = Insights(
    source="Unitrends Module",
    facts=FACTS,
    rules=(
        InsightRule(
            key="missing_critical_updates",
            component="Appliance updates",
            name="You could be missing out on critical updates",
            summary="Enable Helix auto updates to keep your appliances updated to the latest "
            "release.",
            trigger=Clause(
                "Send if Helix auto updates have not been enabled on any appliance in the "
                "UniView Portal.",
                _none("helix_auto_update_appliances"),
            ),
            exclusions=(TENANT_IS_NEW, APPLIANCE_NOT_ADDED),
            action=Action(
                "helix_auto_updates",
                "Enable Helix auto updates",
                "Enable Helix auto updates for an appliance. See Modifying Helix Auto Update "
                "settings for details.",
            ),
        ),
        InsightRule(
            key="automated_backup_testing",
            component="Backup",
            name="Automated backup testing",
            summary="Certify recoverability of your backups by running Unitrends Data Copy "
            "Access (DCA) jobs. It's FREE!",
            trigger=Clause("Send if there are no scheduled DCA jobs.", _none("scheduled_dca_jobs")),
            exclusions=(TENANT_IS_NEW,),
            action=Action(
                "recovery_assurance",
                "Setup Recovery Assurance",
                f"Create a DCA job on a Unitrends appliance. See Recovery Assurance in "
                f"{ADMIN_GUIDE} for details.",
            ),
        ),
        InsightRule(
            key="backup_alerting",
            component="Backup",
            name="You haven't set up backup alerting yet",
            summary="Set a threshold for how long machines can go without a good backup and "
            "receive alerts if this threshold is exceeded.",
            trigger=Clause(
                "Send if backup alerting has not been set up in the UniView Portal.",
                _none("backup_alarms"),
            ),
            exclusions=(TENANT_IS_NEW,),
            action=Action(
                "backup_alarms",
                "Set up backup alerting",
                "Set up conditional alarm thresholds for backups. See Conditional alarms for "
                "details.",
            ),
        ),
        InsightRule(
            key="backup_copy",
            component="Backup copy",
            name="You are one incident away from total data loss!",
            summary="Prevent data loss by setting up a backup copy job on the Unitrends "
            "appliance to store copies of your backups off-site.",
            trigger=Clause(
                "Send if there are no scheduled backup copy jobs.",
                _none("scheduled_backup_copy_jobs"),
            ),
            exclusions=(TENANT_IS_NEW, APPLIANCE_NOT_ADDED),
            action=Action(
                "backup_copy",
                "Set up a backup copy job",
                "Add a backup copy target to a Unitrends appliance and create a backup copy job "
                f"to copy backups to the target. See Backup copy targets and Creating backup "
                f"copy jobs in {ADMIN_GUIDE} for details.",
            ),
        ),
        InsightRule(
            key="replication_alerting",
            component="Backup copy",
            name="You haven't set up replication alerting yet",
            summary="Set a threshold for how long machines can go without a good off-site "
            "replication and receive alerts if this threshold is exceeded.",
            trigger=Clause(
                "Send if replication alerting has not been set up in the UniView Portal.",
                _none("replication_alarms"),
            ),
            exclusions=(TENANT_IS_NEW,),
            action=Action(
                "replication_alarms",
                "Set up replication alerting",
                "Set up conditional alarm thresholds for offsite replications. See Conditional "
                "alarms for details.",
            ),
        ),
        InsightRule(
            key="psa_ticketing",
            component="PSA integration",
            name="You're losing time without PSA ticketing integration",
            summary="Integrate your PSA system (ConnectWise Manage, Autotask, BMS, or Vorex) so "
            "that each BackupIQ alert also creates a ticket in the PSA.",
            trigger=Clause("Send if no PSA system has been integrated.", NO_PSA),
            exclusions=(TENANT_IS_NEW,),
            action=Action(
                "psa_integration",
                "Integrate your PSA",
                "Integrate your PSA with the UniView Portal to enable BackupIQ to create PSA "
                "tickets for your alerts. See Integrating Autotask, Integrating ConnectWise "
                "Manage, or Integrating Kaseya's Billing Management System (BMS) or Vorex.",
            ),
        ),
        InsightRule(
            key="psa_mapping",
            component="PSA integration",
            name="Your tickets could be going to the wrong inbox",
            summary="Map your UniView Portal organizations to PSA companies or accounts to "
            "ensure tickets are assigned to the correct queue.",
            trigger=Clause(
                "Send if no organizations have been mapped to your PSA accounts or companies.",
                _none("organizations_mapped_to_psa"),
            ),
            exclusions=(
                TENANT_IS_NEW,
                Clause(
                    "PSA integration was added < 7 days ago.",
                    {"fact": "psa_added_at", "op": "less_than_days_ago", "value": 7},
                ),
            ),
            action=Action(
                "psa_mapping",
                "Map organizations to PSA companies",
                "Map your PSA's accounts or companies to UniView Portal organizations to ensure "
                "tickets are sent to the correct PSA queue. See Mapping companies and accounts "
                "to organizations for details.",
            ),
        ),
        InsightRule(
            key="automated_ticket_updates",
            component="PSA integration",
            name="You could be saving more time with automated ticketing updates!",
            summary="Use your UniView Portal PSA integration to automatically close tickets.",
            trigger=Clause(
                "Send if your PSA integration settings have not been configured to "
                "automatically close tickets by status.",
                {"fact": "psa_closes_tickets_by_status", "op": "eq", "value": False},
            ),
            exclusions=(
                TENANT_IS_NEW,
                Clause("No PSA system has been integrated with UniView Portal.", NO_PSA),
            ),
            action=Action(
                "psa_close_ticket_status",
                "Set the Close Ticket Status",
                "Edit your PSA's integration settings to automatically close tickets by "
                "selecting a status in the Close Ticket Status field.",
            ),
        ),
    ),
)

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
    insights=INSIGHTS,
)
