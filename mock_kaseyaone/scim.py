"""KaseyaOne as a SCIM 2.0 service provider (RFC 7643, RFC 7644) of its groups and users, which
module instances read to import the tenant's groups and to sync them every four hours (DESIGN:
"Groups, module from hub"). Read-only: queries (RFC 7644 §3.4.1 by id, §3.4.2 list and filter,
§3.4.3 search); groups and users are managed in KaseyaOne itself (here, its admin API). The
domain side, without Flask; every resource is built with scim2-models.

The mapping. A `Group` is a KaseyaOne group: `id` its id, `displayName` its name, `members` its
users (`value` the user's id, `display` their email address, `type` "User"). A `User` is a
KaseyaOne user: `userName` their email address, `displayName` and `name.formatted` their name,
`emails` the address, `active` false while deactivated, `groups` their groups ("direct": there are
no nested groups). `meta.created` and `meta.lastModified` are on the tenant's clock: a group
changes when renamed or when a member comes or goes, a user when their status or groups change.

Listing costs a fixed number of queries whatever the page size: the page, its count, and one
query for the members (or groups) of the whole page — none when the answer leaves them out
(`excludedAttributes=members`), which is how a module reads a tenant's groups.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scim2_models import (
    Group,
    GroupMember,
    GroupMembership,
    ListResponse,
    Name,
    Resource,
    ResponseParameters,
    SearchRequest,
    User,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sim_common.scim import (
    IndexedCondition,
    emails,
    filter_mentions,
    list_response,
    meta,
    page_bounds,
    requested,
    search_resources,
)

from . import domain
from .models import Group as K1Group
from .models import GroupMember as Membership
from .models import Tenant
from .models import User as K1User
from .scim_discovery import GROUP_RESOURCE_TYPE, MAX_RESULTS, USER_RESOURCE_TYPE

_CHUNK = 500  # ids per IN (...) when loading what a page refers to


# The mapping.


def group_to_scim(group: K1Group, base_url: str, members: list[tuple[str, str]] | None) -> Group:
    """The group as a SCIM Group, with its members' (id, email); None leaves them out."""
    return Group(
        id=group.id,
        display_name=group.name,
        members=None
        if members is None
        else [
            GroupMember(
                value=user_id, display=email, type="User", ref=f"{base_url}/Users/{user_id}"
            )
            for user_id, email in members
        ],
        meta=meta(
            GROUP_RESOURCE_TYPE.name,
            f"{base_url}/Groups/{group.id}",
            group.created_at,
            group.modified_at,
        ),
    )


def user_to_scim(user: K1User, base_url: str, groups: list[tuple[str, str]] | None) -> User:
    """The user as a SCIM User, with their groups' (id, name); None leaves them out."""
    return User(
        id=user.id,
        user_name=user.email,
        display_name=user.name,
        name=Name(formatted=user.name),
        emails=emails(user.email),
        active=user.is_active,
        groups=None
        if groups is None
        else [
            GroupMembership(
                value=group_id, display=name, type="direct", ref=f"{base_url}/Groups/{group_id}"
            )
            for group_id, name in groups
        ],
        meta=meta(
            USER_RESOURCE_TYPE.name,
            f"{base_url}/Users/{user.id}",
            user.created_at,
            user.modified_at,
        ),
    )


def _group_condition(attribute: str, value: str):
    """The group filters the database answers exactly: `id eq`, `displayName eq` (without
    case, as RFC 7643 §4.2 has it; for ASCII values, which SQL's lower() folds as Python does)
    and `members.value eq` (the groups of a user)."""
    if attribute == "id":
        return K1Group.id == value
    if attribute == "displayname" and value.isascii():
        return func.lower(K1Group.name) == value.lower()
    if attribute == "members.value":
        return K1Group.id.in_(select(Membership.group_id).where(Membership.user_id == value))
    return None


def _user_condition(attribute: str, value: str):
    """The user filters the database answers exactly: `id eq`, `userName eq` (emails are kept
    in lower case; userName is compared without case, RFC 7643 §4.1.1) and `groups.value eq`
    (the members of a group)."""
    if attribute == "id":
        return K1User.id == value
    if attribute == "username":
        return K1User.email == value.lower()
    if attribute == "groups.value":
        return K1User.id.in_(select(Membership.user_id).where(Membership.group_id == value))
    return None


@dataclass(frozen=True)
class _Served:
    """A resource type the hub serves: its rows, and the memberships a resource lists (a group
    its members, a user their groups) — each membership as the other end's (id, label)."""

    model: type[Resource]
    row: type
    get_row: Callable[[Session, Tenant, str], Any]
    to_scim: Callable[[Any, str, list[tuple[str, str]] | None], Resource]
    indexed: IndexedCondition
    memberships: str  # the attribute that lists them
    own_end: Any  # the membership's column naming the row
    other_end: Any  # the membership's column naming the other end
    other_label: Any  # what a membership displays of the other end


SERVED = {  # by endpoint
    "Groups": _Served(
        model=Group,
        row=K1Group,
        get_row=domain.get_group,
        to_scim=group_to_scim,
        indexed=_group_condition,
        memberships="members",
        own_end=Membership.group_id,
        other_end=Membership.user_id,
        other_label=K1User.email,
    ),
    "Users": _Served(
        model=User,
        row=K1User,
        get_row=domain.get_user,
        to_scim=user_to_scim,
        indexed=_user_condition,
        memberships="groups",
        own_end=Membership.user_id,
        other_end=Membership.group_id,
        other_label=K1Group.name,
    ),
}


def _memberships(session: Session, served: _Served, ids: list[str]) -> dict[str, list]:
    """The memberships of these rows, each row's ordered by label, in a query a chunk."""
    other = served.other_label.class_
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(served.own_end, other.id, served.other_label)
            .join(other, other.id == served.other_end)
            .where(served.own_end.in_(ids[start : start + _CHUNK]))
            .order_by(served.other_label)
        )
        for own_id, other_id, label in rows:
            found[own_id].append((other_id, label))
    return found


def _to_scim(
    session: Session, served: _Served, rows: list, base_url: str, with_memberships: bool
) -> list[Resource]:
    if not with_memberships:
        return [served.to_scim(row, base_url, None) for row in rows]
    memberships = _memberships(session, served, [row.id for row in rows])
    return [served.to_scim(row, base_url, memberships.get(row.id, [])) for row in rows]


# Queries.


def get_resource(
    session: Session,
    tenant: Tenant,
    endpoint: str,
    resource_id: str,
    base_url: str,
    wanted: ResponseParameters,
) -> Resource:
    """RFC 7644 §3.4.1: a group or a user (`endpoint` "Groups" or "Users") by id."""
    served = SERVED[endpoint]
    row = served.get_row(session, tenant, resource_id)
    return _to_scim(session, served, [row], base_url, requested(wanted, served.memberships))[0]


def _search(
    session: Session,
    tenant: Tenant,
    served: _Served,
    search: SearchRequest,
    base_url: str,
    bounds: tuple[int, int] | None = None,
) -> tuple[int, list[Resource]]:
    """How many of the tenant's groups (or users) match the filter, and one page of them,
    oldest first."""
    with_memberships = requested(search, served.memberships) or filter_mentions(
        search, served.memberships
    )
    row = served.row
    query = select(row).where(row.tenant_id == tenant.id).order_by(row.created_at, row.id)
    return search_resources(
        session,
        query,
        search,
        to_scim=lambda rows: _to_scim(session, served, rows, base_url, with_memberships),
        indexed=served.indexed,
        max_results=MAX_RESULTS,
        bounds=bounds,
    )


def list_resources(
    session: Session, tenant: Tenant, endpoint: str, search: SearchRequest, base_url: str
) -> ListResponse:
    """RFC 7644 §3.4.2, §3.4.3: the tenant's groups (or users) that match the search."""
    served = SERVED[endpoint]
    total, page = _search(session, tenant, served, search, base_url)
    return list_response(served.model, search, total, page)


def search_everything(
    session: Session, tenant: Tenant, search: SearchRequest, base_url: str
) -> ListResponse:
    """RFC 7644 §3.4.3, at the root: groups, then users, as one list paginated as a whole; a
    filter on an attribute only one of them has is false for the other."""
    start, count = page_bounds(search, MAX_RESULTS)
    groups_total, groups = _search(
        session, tenant, SERVED["Groups"], search, base_url, (start, count)
    )
    users_bounds = (max(start - groups_total, 0), count - len(groups))
    users_total, users = _search(session, tenant, SERVED["Users"], search, base_url, users_bounds)
    return list_response(Group | User, search, groups_total + users_total, [*groups, *users])
