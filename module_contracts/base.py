"""What KaseyaOne and one kind of module agree on — a contract, one per module kind, read by both
the hub and the module (DESIGN: "contracts"):
- its settings and their rules (module_contracts.settings);
- what each lifecycle change in KaseyaOne means for the module (a SCIM push: disable, enable,
  delete, provision), and which of its settings turns those pushes on;
- the claims its OpenID Connect client receives about a user, which is all the module learns
  of them at sign-in;
- its Cooper insights: the facts its telemetry reports and the rules the hub evaluates over them
  (module_contracts.insights).

The hub holds no `if module == ...`: everything that differs between module kinds is here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .insights import Insights
from .settings import SettingsRules

# The lifecycle changes KaseyaOne pushes, and the SCIM actions a contract may give them.
CHANGES = ("deactivated", "activated", "deleted", "access_withdrawn", "access_granted")
ACTIONS = ("disable", "enable", "delete", "provision")


@dataclass(frozen=True)
class Push:
    """A lifecycle change's meaning for a module: the SCIM action, pushed while `gate` (a
    setting of the module) is on."""

    action: str
    gate: str

    def __post_init__(self) -> None:
        assert self.action in ACTIONS, self.action


@dataclass(frozen=True)
class ClaimSource:
    """What the hub knows of a user when it answers a module's client: the contract picks what
    the module receives (AT-DATA-1: for Autotask, the username and access level only)."""

    email: str
    name: str
    tenant: str
    groups: tuple[tuple[str, str], ...]  # (KaseyaOne group id, name), in name order
    module_access: bool
    settings: Mapping  # the module instance's settings, as KaseyaOne holds them
    scopes: frozenset


@dataclass(frozen=True)
class ModuleContract:
    kind: str  # the name modules register with, e.g. "uniview"
    name: str  # what a person reads, e.g. "UniView Portal"
    rules: SettingsRules
    lifecycle: Mapping[str, Push]
    claims: Callable[[ClaimSource], dict]
    # What a provisioning push says of the user's access level (the SCIM `roles` value), if
    # the module takes one: from the user's groups and the instance's settings.
    access_level: Callable[[Mapping, tuple], str | None] = field(default=lambda settings, g: None)
    # Cooper's insights about an instance of this kind, from its telemetry; None: it reports none.
    insights: Insights | None = None
    # The SCIM attribute a provisioning push finds an existing account by, to link it rather
    # than create another (its value is the user's KaseyaOne username): UniView's userName is
    # the username; Autotask links the resource with the same email address (AT-PROV-3).
    link_by: str = "userName"
    # Module pages that an insight's or a tile's action may open are the module's own business;
    # the contract says only what crosses between hub and module.

    def __post_init__(self) -> None:
        assert set(self.lifecycle) <= set(CHANGES), self.lifecycle
        assert all(push.gate in self.rules.names for push in self.lifecycle.values())
