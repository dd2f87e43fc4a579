"""Groups and organizations in UniView, and KaseyaOne's Access Groups (UV-GRP-1..7).

A group decides which organizations its members see: a user sees exactly the organizations
their groups are mapped to (UV-GRP-6). Groups are added by hand, or imported from KaseyaOne
while Access Groups is on; then the Groups page is view-only (UV-GRP-3), the import runs every
four hours of the tenant's clock (UV-GRP-1, UV-GRP-4), and each KaseyaOne sign-in sets the
user's imported groups to the ID token's (UV-GRP-5). No Flask here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as DbSession

from sim_common.clock import tenant_now
from sim_common.db import insert_new
from sim_common.errors import InvalidRequest
from sim_common.scheduler import next_slot
from sim_common.validation import keepable_text, text, text_list, text_problem
from sim_common.web import new_id

from .errors import (
    GroupNameTaken,
    GroupNotFound,
    GroupsManagedByKaseyaOne,
    OrganizationNameTaken,
    OrganizationNotFound,
)
from .models import Group, Integration, Organization, OrganizationGroup, Tenant, User, UserGroup

SYNC_INTERVAL = timedelta(hours=4)
# The first import after Access Groups is turned on: the document allows up to four hours.
FIRST_IMPORT_DELAY = timedelta(hours=1)


def _name(value) -> str:
    """A group's or an organization's name as UniView keeps it (their columns are alike)."""
    return text(value, "name", Group.name)


def _names(values, what: str) -> list[str]:
    return text_list(values, what, Organization.name)


# Groups.


def managed_by_kaseyaone(tenant: Tenant) -> bool:
    integration = tenant.integration
    return integration is not None and integration.access_groups


def _editable(tenant: Tenant) -> None:
    if managed_by_kaseyaone(tenant):
        raise GroupsManagedByKaseyaOne()


def list_groups(session: DbSession, tenant: Tenant) -> list[Group]:
    return list(
        session.scalars(
            select(Group).where(Group.tenant_id == tenant.id).order_by(Group.name, Group.id)
        )
    )


def get_group(session: DbSession, tenant: Tenant, group_id: str) -> Group:
    group = session.get(Group, group_id)
    if group is None or group.tenant_id != tenant.id:
        raise GroupNotFound()
    return group


def _ensure_manual_name_free(session: DbSession, tenant: Tenant, name: str, group=None) -> None:
    holder = session.scalar(
        select(Group).where(
            Group.tenant_id == tenant.id, Group.source == "uniview", Group.name == name
        )
    )
    if holder is not None and holder is not group:
        raise GroupNameTaken(f"A group named '{name}' already exists.", field="name")


def add_group(session: DbSession, tenant: Tenant, name) -> Group:
    """Adding a group by hand, on the Groups page (refused while Access Groups is on)."""
    _editable(tenant)
    name = _name(name)
    _ensure_manual_name_free(session, tenant, name)
    group = Group(id=new_id(), tenant_id=tenant.id, name=name, created_at=tenant_now(tenant))
    session.add(group)
    session.flush()
    return group


def rename_group(session: DbSession, tenant: Tenant, group: Group, name) -> Group:
    _editable(tenant)
    name = _name(name)
    _ensure_manual_name_free(session, tenant, name, group)
    group.name = name
    session.flush()
    return group


def remove_group(session: DbSession, tenant: Tenant, group: Group) -> None:
    _editable(tenant)
    session.delete(group)
    session.flush()


def groups_of(session: DbSession, user: User) -> list[Group]:
    return list(
        session.scalars(
            select(Group)
            .join(UserGroup, UserGroup.group_id == Group.id)
            .where(UserGroup.user_id == user.id)
            .order_by(Group.name)
        )
    )


def set_user_groups(session: DbSession, tenant: Tenant, user: User, group_ids) -> None:
    """The Add User and Edit User dialogs: the user's groups, as a whole. While Access Groups is
    on, KaseyaOne decides membership of the imported groups: only groups added by hand can be
    given or taken away here."""
    if not isinstance(group_ids, list) or not all(isinstance(i, str) for i in group_ids):
        raise InvalidRequest("'groups' must be a list of group ids.", field="groups")
    wanted = {get_group(session, tenant, group_id).id: None for group_id in group_ids}
    current = {g.id: g for g in groups_of(session, user)}
    if managed_by_kaseyaone(tenant):
        touched = [g for g in current.values() if g.id not in wanted and g.imported]
        touched += [get_group(session, tenant, i) for i in wanted if i not in current]
        if any(g.imported for g in touched):
            raise GroupsManagedByKaseyaOne(
                "Access Groups is on: KaseyaOne decides who is in the imported groups."
            )
    _replace_memberships(session, user, set(current), set(wanted))


def _replace_memberships(session: DbSession, user: User, current: set, wanted: set) -> None:
    if current - wanted:
        session.execute(
            delete(UserGroup).where(
                UserGroup.user_id == user.id, UserGroup.group_id.in_(current - wanted)
            )
        )
    # Two requests giving the same group at the same moment give it once.
    insert_new(session, UserGroup, [{"user_id": user.id, "group_id": i} for i in wanted - current])


# Organizations.


def list_organizations(session: DbSession, tenant: Tenant) -> list[Organization]:
    return list(
        session.scalars(
            select(Organization)
            .where(Organization.tenant_id == tenant.id)
            .order_by(Organization.name)
        )
    )


def get_organization(session: DbSession, tenant: Tenant, organization_id: str) -> Organization:
    organization = session.get(Organization, organization_id)
    if organization is None or organization.tenant_id != tenant.id:
        raise OrganizationNotFound()
    return organization


def _organization_name_free(session: DbSession, tenant: Tenant, name: str, org=None) -> None:
    holder = session.scalar(
        select(Organization).where(Organization.tenant_id == tenant.id, Organization.name == name)
    )
    if holder is not None and holder is not org:
        raise OrganizationNameTaken(f"An organization named '{name}' already exists.", field="name")


def add_organization(
    session: DbSession, tenant: Tenant, name, *, groups=None, appliances=None, backups=None
) -> Organization:
    """Adding an organization, mapped to groups from the start if wanted (UV-GRP-2)."""
    name = _name(name)
    _organization_name_free(session, tenant, name)
    organization = Organization(
        id=new_id(),
        tenant_id=tenant.id,
        name=name,
        appliances=_names(appliances or [], "appliances"),
        backups=_names(backups or [], "backups"),
        created_at=tenant_now(tenant),
    )
    session.add(organization)
    session.flush()
    map_groups(session, tenant, organization, groups or [])
    return organization


def edit_organization(
    session: DbSession, tenant: Tenant, organization: Organization, changes: dict
) -> Organization:
    """Editing an organization: its name, data, and the groups mapped to it (UV-GRP-2)."""
    if not isinstance(changes, dict):
        raise InvalidRequest("Send the changes as an object.")
    unknown = sorted(set(changes) - {"name", "groups", "appliances", "backups"})
    if unknown:
        raise InvalidRequest(
            f"An organization has name, groups, appliances and backups, not {', '.join(unknown)}."
        )
    if "name" in changes:
        name = _name(changes["name"])
        _organization_name_free(session, tenant, name, organization)
        organization.name = name
        session.flush()
    for key in ("appliances", "backups"):
        if key in changes:
            setattr(organization, key, _names(changes[key], key))
    if "groups" in changes:
        map_groups(session, tenant, organization, changes["groups"])
    return organization


def map_groups(session: DbSession, tenant: Tenant, organization: Organization, group_ids) -> None:
    if not isinstance(group_ids, list) or not all(isinstance(i, str) for i in group_ids):
        raise InvalidRequest("'groups' must be a list of group ids.", field="groups")
    wanted = {get_group(session, tenant, i).id for i in group_ids}
    session.execute(
        delete(OrganizationGroup).where(OrganizationGroup.organization_id == organization.id)
    )
    rows = [{"organization_id": organization.id, "group_id": i} for i in sorted(wanted)]
    insert_new(session, OrganizationGroup, rows)  # once, if another request maps them meanwhile


def organization_groups(session: DbSession, organization: Organization) -> list[Group]:
    return list(
        session.scalars(
            select(Group)
            .join(OrganizationGroup, OrganizationGroup.group_id == Group.id)
            .where(OrganizationGroup.organization_id == organization.id)
            .order_by(Group.name)
        )
    )


def visible_organizations(session: DbSession, user: User) -> list[Organization]:
    """Exactly the organizations the user's groups are mapped to (UV-GRP-6); none without
    mapped groups. A superuser administers every organization, so sees them all
    (interpretation)."""
    query = select(Organization).where(Organization.tenant_id == user.tenant_id)
    if user.role != "superuser":
        mapped = (
            select(OrganizationGroup.organization_id)
            .join(UserGroup, UserGroup.group_id == OrganizationGroup.group_id)
            .where(UserGroup.user_id == user.id)
        )
        query = query.where(Organization.id.in_(mapped))
    return list(session.scalars(query.order_by(Organization.name)))


# Access Groups: the schedule, the sync, and the per-login refresh.


def access_groups_changed(integration: Integration) -> None:
    """Turning Access Groups on schedules the first import (UV-GRP-1); off stops the sync and
    hands the groups back to UniView (UV-GRP-7)."""
    if integration.access_groups:
        if integration.groups_next_sync_at is None:
            now = tenant_now(integration.tenant)
            integration.groups_next_sync_at = now + FIRST_IMPORT_DELAY
    else:
        integration.groups_next_sync_at = None
        integration.groups_last_sync_at = integration.groups_last_sync_result = None
        integration.groups_imported_at = None


def sync_due(integration: Integration | None, now: datetime) -> bool:
    return (
        integration is not None
        and integration.access_groups
        and integration.groups_next_sync_at is not None
        and integration.groups_next_sync_at <= now
    )


def next_sync_after(scheduled: datetime, now: datetime) -> datetime:
    """Every four hours from the first import: the next slot after now (a clock moved a day on
    runs the sync once, not six times)."""
    return next_slot(scheduled, now, SYNC_INTERVAL)


@dataclass
class SyncPlan:
    """What a sync changes in UniView's imported groups, from KaseyaOne's groups (id -> name)."""

    add: dict[str, str] = field(default_factory=dict)
    rename: dict[str, str] = field(default_factory=dict)
    remove: list[str] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.add) + len(self.rename) + len(self.remove)


def plan_sync(imported: dict[str, str], kaseyaone: dict[str, str]) -> SyncPlan:
    """Groups new in KaseyaOne are added, renamed ones renamed, gone ones removed (UV-GRP-4).
    Both sides are KaseyaOne id -> name; groups added by hand are not in `imported` at all, so
    no sync can touch them. Linear in the number of groups."""
    plan = SyncPlan()
    for k1_id, name in kaseyaone.items():
        if k1_id not in imported:
            plan.add[k1_id] = name
        elif imported[k1_id] != name:
            plan.rename[k1_id] = name
    plan.remove = [k1_id for k1_id in imported if k1_id not in kaseyaone]
    return plan


def imported_ids(session: DbSession, tenant: Tenant) -> set[str]:
    """The KaseyaOne ids of the imported groups, without loading the groups."""
    return set(
        session.scalars(
            select(Group.kaseyaone_id).where(
                Group.tenant_id == tenant.id, Group.source == "kaseyaone"
            )
        )
    )


def imported_groups(session: DbSession, tenant: Tenant) -> dict[str, Group]:
    rows = session.scalars(
        select(Group).where(Group.tenant_id == tenant.id, Group.source == "kaseyaone")
    )
    return {group.kaseyaone_id: group for group in rows}


def kaseyaone_groups(entries) -> dict[str, str]:
    """KaseyaOne's groups as they came (SCIM Groups, the ID token's claim): id -> name, leaving
    out what UniView cannot keep (no id, an id longer than 64 characters, a blank name or one
    longer than 200)."""
    groups = {}
    for group_id, name in entries:
        kept = keepable_text(name, Group.name)
        id_problem = text_problem(group_id, Group.kaseyaone_id, strip=False)
        if id_problem is None and kept is not None:
            groups[group_id] = kept
    return groups


def _import(session: DbSession, tenant: Tenant, groups: dict[str, str]) -> None:
    """Imported groups for these KaseyaOne ids, unless they exist (a sign-in and a sync may
    import the same group at the same moment)."""
    now = tenant_now(tenant)
    insert_new(
        session,
        Group,
        [
            {
                "id": new_id(),
                "tenant_id": tenant.id,
                "name": name,
                "source": "kaseyaone",
                "kaseyaone_id": k1_id,
                "created_at": now,
            }
            for k1_id, name in groups.items()
        ],
    )


def apply_sync(
    session: DbSession, tenant: Tenant, kaseyaone: dict[str, str], gone: set[str]
) -> SyncPlan:
    """Make UniView's imported groups mirror KaseyaOne's (`kaseyaone`, id -> name). A group is
    removed only if KaseyaOne said it is gone (`gone`), not merely for missing from a listing
    that may have shifted while it was read; memberships and organization mappings of removed
    groups go with them."""
    current = imported_groups(session, tenant)
    plan = plan_sync({k: g.name for k, g in current.items()}, kaseyaone)
    plan.remove = [k1_id for k1_id in plan.remove if k1_id in gone]
    _import(session, tenant, plan.add)
    for k1_id, name in plan.rename.items():
        current[k1_id].name = name
    removed = [current[k1_id].id for k1_id in plan.remove]
    for start in range(0, len(removed), 500):  # SQLite's limit on bound parameters
        session.execute(delete(Group).where(Group.id.in_(removed[start : start + 500])))
    session.flush()
    return plan


def record_sync(integration: Integration, now: datetime, result: str, *, ok: bool) -> None:
    """How the sync went, and when it runs next: four hours on, whether it worked or not (a
    failed sync leaves the groups as they were and tries again at the next run)."""
    integration.groups_last_sync_at = now
    integration.groups_last_sync_result = result
    if ok and integration.groups_imported_at is None:
        integration.groups_imported_at = now
    scheduled = integration.groups_next_sync_at
    # A run before its slot (the control plane's "run jobs now") counts as the slot.
    slot = scheduled if scheduled is not None and scheduled <= now else now
    integration.groups_next_sync_at = next_sync_after(slot, now)


def refresh_user_groups(session: DbSession, tenant: Tenant, user: User, claim) -> None:
    """At each KaseyaOne sign-in, the user's imported groups become the ID token's
    (`kaseyaone_groups`: id and name of each), adding and removing as needed (UV-GRP-5). A group
    KaseyaOne has that the last sync did not see yet is imported now; groups added by hand in
    UniView are left as they are. Without the claim, nothing changes."""
    if not isinstance(claim, list):
        return
    wanted = kaseyaone_groups(
        (entry.get("id"), entry.get("name")) for entry in claim if isinstance(entry, dict)
    )
    known = imported_groups_by_ids(session, tenant, list(wanted))
    _import(session, tenant, {k: n for k, n in wanted.items() if k not in known})
    for k1_id, group in known.items():
        group.name = wanted[k1_id]
    session.flush()
    groups = imported_groups_by_ids(session, tenant, list(wanted))
    current = groups_of(session, user)
    keep = {g.id for g in current if not g.imported} | {g.id for g in groups.values()}
    _replace_memberships(session, user, {g.id for g in current}, keep)


def imported_groups_by_ids(session: DbSession, tenant: Tenant, k1_ids: list[str]) -> dict:
    if not k1_ids:
        return {}
    rows = session.scalars(
        select(Group).where(Group.tenant_id == tenant.id, Group.kaseyaone_id.in_(k1_ids))
    )
    return {group.kaseyaone_id: group for group in rows}


def member_counts(session: DbSession, tenant: Tenant, only: Group | None = None) -> dict:
    query = (
        select(UserGroup.group_id, func.count())
        .join(Group, Group.id == UserGroup.group_id)
        .where(Group.tenant_id == tenant.id)
        .group_by(UserGroup.group_id)
    )
    if only is not None:
        query = query.where(Group.id == only.id)
    return dict(session.execute(query).all())


def sync_json(integration: Integration | None) -> dict:
    def iso(moment):
        return moment.isoformat() + "Z" if moment else None

    if integration is None or not integration.access_groups:
        return {"managed_by_kaseyaone": False, "next_sync_at": None}
    return {
        "managed_by_kaseyaone": True,
        "first_import_done": integration.groups_imported_at is not None,
        "next_sync_at": iso(integration.groups_next_sync_at),
        "last_sync_at": iso(integration.groups_last_sync_at),
        "last_sync_result": integration.groups_last_sync_result,
    }


def group_json(group: Group, organizations: list[str], members: int) -> dict:
    return {
        "id": group.id,
        "name": group.name,
        "source": group.source,
        "kaseyaone_id": group.kaseyaone_id,
        "organizations": organizations,
        "members": members,
    }


def organization_json(session: DbSession, organization: Organization) -> dict:
    return {
        "id": organization.id,
        "name": organization.name,
        "groups": [
            {"id": g.id, "name": g.name} for g in organization_groups(session, organization)
        ],
        "appliances": list(organization.appliances or []),
        "backups": list(organization.backups or []),
    }


def groups_listing(session: DbSession, tenant: Tenant, only: Group | None = None) -> list[dict]:
    """The Groups page: every group (or `only` that one) with the organizations it is mapped to
    and its member count, in three queries whatever the number of groups."""
    mapped: dict[str, list[str]] = {}
    query = (
        select(OrganizationGroup.group_id, Organization.name)
        .join(Organization, Organization.id == OrganizationGroup.organization_id)
        .where(Organization.tenant_id == tenant.id)
        .order_by(Organization.name)
    )
    if only is not None:
        query = query.where(OrganizationGroup.group_id == only.id)
    for group_id, name in session.execute(query):
        mapped.setdefault(group_id, []).append(name)
    counts = member_counts(session, tenant, only)
    listed = [only] if only is not None else list_groups(session, tenant)
    return [group_json(g, mapped.get(g.id, []), counts.get(g.id, 0)) for g in listed]


def seed_groups(session: DbSession, tenant: Tenant, seed: dict, users_by_name: dict) -> None:
    """Seeded groups (names, added by hand), organizations (name, appliances, backups, groups
    by name) and each seeded user's groups (by name)."""
    groups, organizations = seed.get("groups", []), seed.get("organizations", [])
    if not isinstance(groups, list) or not isinstance(organizations, list):
        raise InvalidRequest("'groups' and 'organizations' must be lists.")
    by_name = {}
    for name in groups:
        by_name[name] = add_group(session, tenant, name)

    def ids(names, what):
        unknown = [n for n in _names(names, what) if n not in by_name]
        if unknown:
            raise InvalidRequest(f"Seeded {what} name unknown groups: {', '.join(unknown)}.")
        return [by_name[n].id for n in names]

    for spec in organizations:
        if not isinstance(spec, dict):
            raise InvalidRequest("Each seeded organization must be an object.")
        add_organization(
            session,
            tenant,
            spec.get("name"),
            groups=ids(spec.get("groups", []), "organization groups"),
            appliances=spec.get("appliances", []),
            backups=spec.get("backups", []),
        )
    for username, names in users_by_name.items():
        if names:
            user = session.scalar(
                select(User).where(User.tenant_id == tenant.id, User.username == username)
            )
            _replace_memberships(session, user, set(), set(ids(names, "user groups")))
