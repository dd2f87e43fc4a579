"""Autotask as a SCIM 2.0 service provider (RFC 7643, RFC 7644), one per Autotask instance:
KaseyaOne, its SCIM client, provisions resources through it (AT-PROV-1, AT-PROV-3) and makes them
inactive or active again. The domain side, without Flask: the mapping between resources and
SCIM `User` resources, and the operations (RFC 7644 §3.3 create, §3.4 query and search, §3.5.1
replace, §3.5.2 patch; §3.6 delete is refused: Autotask never deletes a resource). Every body is
read and built with scim2-models.

The mapping. SCIM `id` is the resource's id; `userName` its username, compared without case;
`externalId` the KaseyaOne subject it is linked to; `active` whether it is active; `roles` its
Security Level (one role, the level's id as its `value`; of several roles a request gives, the
last), which is the access
level KaseyaOne sends (AT-DATA-1: KaseyaOne sends the username and access level and nothing
else); `name` and `emails` its first and last name and email address, read-only here. A resource
created over SCIM gets Automatic User Provisioning's defaults (mock_autotask.provisioning).
Filters KaseyaOne sends are answered from the database: `userName eq`, `externalId eq`, and
`emails.value eq` (how KaseyaOne finds a resource with the same email address, AT-PROV-3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scim2_models import (
    ConflictException,
    InvalidValueException,
    ListResponse,
    MutabilityException,
    Name,
    NotFoundException,
    PatchOp,
    Role,
    SearchRequest,
    UniquenessException,
    User,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from sim_common.errors import Conflict, InvalidRequest, NotFound
from sim_common.scim import dumped, emails, list_response, meta, search_resources

from . import provisioning, resources
from .models import Resource, Tenant
from .scim_discovery import MAX_RESULTS, USER_RESOURCE_TYPE


class DeletionRefused(ConflictException):
    """RFC 7644 §3.6 asks for a delete; Autotask never deletes a resource (KaseyaOne's contract
    for Autotask gives a deletion the meaning "disable", so it never asks)."""

    _default_detail = (
        "Autotask never deletes a resource: make it inactive instead (PATCH active to false)."
    )


def to_scim(resource: Resource, base_url: str) -> User:
    level = resource.security_level
    return User(
        id=str(resource.id),
        external_id=resource.k1_subject,
        user_name=resource.user_name,
        name=Name(given_name=resource.first_name, family_name=resource.last_name),
        active=resource.is_active,
        emails=emails(resource.email),
        roles=[Role(value=str(level.id))],
        meta=meta(
            USER_RESOURCE_TYPE.name,
            f"{base_url}/Users/{resource.id}",
            resource.created_at,
            None,
        ),
    )


@contextmanager
def _as_scim_errors(attribute: str) -> Iterator[None]:
    """Autotask's own refusals of a value, as the SCIM errors they are (RFC 7644 §3.12)."""
    try:
        yield
    except Conflict as exc:
        raise UniquenessException(attribute=attribute, detail=exc.message) from exc
    except (InvalidRequest, NotFound) as exc:
        raise InvalidValueException(attribute=attribute, detail=exc.message) from exc


def _checked_subject(session: DbSession, tenant: Tenant, value, resource=None) -> str | None:
    if not value:
        return None
    if len(value) > provisioning.SUBJECT_LENGTH:
        raise InvalidValueException(
            attribute="externalId",
            detail="externalId, the KaseyaOne subject, is at most 64 characters long.",
        )
    holder = provisioning.linked_resource(session, tenant, value)
    if holder is not None and holder is not resource:
        raise UniquenessException(
            attribute="externalId",
            value=value,
            detail=f"Another resource is already linked to the externalId '{value}'.",
        )
    return value


def _security_level(session: DbSession, tenant: Tenant, roles: list[Role] | None):
    """The Security Level `roles` names, None where it names none. A resource has one: of
    several roles (one added to the resource's, say), the last one given."""
    if not roles:
        return None
    level = provisioning.security_level_for(session, tenant, roles[-1].value)
    if level is None:
        raise InvalidValueException(
            attribute="roles",
            detail=f"'{roles[-1].value}' is not a Security Level of this Autotask instance.",
        )
    return level


# The operations.

_KEEP: Any = object()  # an attribute a request leaves as it is


def get_user(session: DbSession, tenant: Tenant, user_id: str) -> Resource:
    resource = None
    if user_id.isdigit() and len(user_id) < 11:
        resource = session.get(Resource, int(user_id)) if int(user_id) < 2**31 else None
    if resource is None or resource.tenant_id != tenant.id:
        raise NotFoundException(detail=f"There is no resource with the id '{user_id}'.")
    return resource


def _indexed_condition(attribute: str, value: str):
    """The filters KaseyaOne sends, answered by the database: userName and emails.value
    compared without case (RFC 7643 §4.1.1, §4.1.2), externalId exactly (§3.1)."""
    if attribute == "username":  # user names are kept in lower case
        return Resource.user_name == value.lower()
    if attribute == "externalid":
        return Resource.k1_subject == value
    if attribute in ("emails", "emails.value"):
        return func.lower(Resource.email) == value.lower()
    return None


def search_users(
    session: DbSession, tenant: Tenant, search: SearchRequest[User], base_url: str
) -> ListResponse[User]:
    """RFC 7644 §3.4.2: the instance's resources that match the filter, oldest first, one page
    of at most `count` (and at most MAX_RESULTS) from `startIndex`."""
    query = select(Resource).where(Resource.tenant_id == tenant.id).order_by(Resource.id)
    total, page = search_resources(
        session,
        query,
        search,
        to_scim=lambda rows: [to_scim(resource, base_url) for resource in rows],
        indexed=_indexed_condition,
        max_results=MAX_RESULTS,
    )
    return list_response(User, search, total, page)


def create_user(session: DbSession, tenant: Tenant, user: User) -> Resource:
    """RFC 7644 §3.3: a new resource for a KaseyaOne user (AT-PROV-1), its email address its
    userName, with the Security Level `roles` names or the default one, and Automatic User
    Provisioning's other defaults; no password: it signs in through KaseyaOne."""
    subject = _checked_subject(session, tenant, user.external_id)
    level = _security_level(session, tenant, user.roles)
    with _as_scim_errors("userName"):
        user_name = resources.user_name_of(user.user_name)
        if resources.find_resource(session, tenant, user_name) is not None:
            raise UniquenessException(
                attribute="userName",
                value=user_name,
                detail=f"Another resource already has the userName '{user_name}'.",
            )
        return provisioning.provision(
            session,
            tenant,
            user_name=user_name,
            subject=subject,
            access_level=level.id if level is not None else None,
            active=user.active is not False,
        )


def replace_user(
    session: DbSession, tenant: Tenant, resource: Resource, replacement: User, base_url: str
) -> Resource:
    """RFC 7644 §3.5.1: the resource as the request describes it. Read-only attributes keep
    their values; an omitted externalId is cleared; an omitted `active` or `roles` leaves the
    resource's status and Security Level as they are (a PUT that forgot them must not change
    them)."""
    replacement.replace(to_scim(resource, base_url))
    _update(
        session,
        tenant,
        resource,
        user_name=replacement.user_name,
        subject=replacement.external_id,
        active=_KEEP if replacement.active is None else replacement.active,
        roles=replacement.roles or _KEEP,
    )
    return resource


def patch_user(
    session: DbSession, tenant: Tenant, resource: Resource, patch: PatchOp[User], base_url: str
) -> Resource:
    """RFC 7644 §3.5.2: the operations applied, by scim2-models, to the resource's SCIM
    representation, and what changed carried over to the resource. Applying the same PATCH
    twice leaves the resource as once."""
    before = to_scim(resource, base_url)
    after = before.model_copy(deep=True)
    patch.patch(after)
    for kept in ("emails", "name"):
        if dumped(getattr(after, kept)) != dumped(getattr(before, kept)):
            raise MutabilityException(
                attribute=kept,
                detail=f"'{kept}' is read-only here: it is the resource's, kept by Autotask.",
            )
    if after.active is None:
        raise MutabilityException(
            attribute="active",
            detail="'active' cannot be removed: a resource is always active or inactive. "
            "Replace it with false to make the resource inactive.",
        )
    if not after.roles:
        raise MutabilityException(
            attribute="roles",
            detail="'roles' cannot be removed: a resource always has a Security Level.",
        )
    roles_changed = dumped(after.roles) != dumped(before.roles)
    _update(
        session,
        tenant,
        resource,
        user_name=after.user_name,
        subject=after.external_id,
        active=after.active,
        roles=after.roles if roles_changed else _KEEP,
    )
    return resource


def _update(
    session: DbSession,
    tenant: Tenant,
    resource: Resource,
    *,
    user_name=_KEEP,
    subject=_KEEP,
    active=_KEEP,
    roles=_KEEP,
) -> None:
    """Make the resource so; a value equal to the current one changes nothing."""
    if user_name is not _KEEP:
        with _as_scim_errors("userName"):
            resources.rename_resource(session, resource, user_name)
    if subject is not _KEEP and (subject or None) != resource.k1_subject:
        resource.k1_subject = _checked_subject(session, tenant, subject, resource)
    changes: dict = {}
    if active is not _KEEP and active != resource.is_active:
        changes["isActive"] = active  # inactive: its sessions end at once
    if roles is not _KEEP:
        level = _security_level(session, tenant, roles)
        if level is not None and level.id != resource.security_level_id:
            changes["securityLevel"] = level.id
    if changes:
        with _as_scim_errors("active"):
            resources.change_resource(session, resource, changes)
    session.flush()
