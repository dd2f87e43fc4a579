"""UniView Portal as a SCIM 2.0 service provider (RFC 7643, RFC 7644), one per tenant: KaseyaOne,
its SCIM client, provisions and deprovisions UniView users through it. The domain side, without
Flask: the service's description (RFC 7644 §4), the mapping between UniView users and SCIM
`User` resources, and the operations (RFC 7644 §3.3 create, §3.4 query and search, §3.5.1
replace, §3.5.2 patch, §3.6 delete). Every body is read and built with scim2-models, but
for the listings and lookups of whole users, dumped from the rows as scim2-models dumps them
(`to_scim_json`; the tests hold the two to the same answer).

The mapping. SCIM `id` is the UniView user's id; `userName` its username, an email address
compared without case; `externalId` the KaseyaOne subject the user is linked to; `active` whether
the account is active or disabled; `roles` its UniView role and `emails` its username (both
read-only here, derived). UniView keeps one name per user, which defaults to the username: SCIM
shows it as both `displayName` and `name.formatted` when it is more than that default. Setting
either sets it (`displayName` wins when a request sets both); removing either clears it back to
the default. Attributes of the core User schema that UniView does not keep (`nickName`, `title`,
…) are left out of the published schema and ignored in requests, as RFC 7644 §3.3 lets a service
provider ignore what it does not store.
"""

from __future__ import annotations

import re
from functools import lru_cache
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
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session as DbSession

from sim_common.scim import (
    RowSearch,
    answered_whole_from_rows,
    dumped,
    email_value,
    emails,
    equality_filter,
    list_body,
    list_response,
    meta,
    search_resources,
    timestamp,
)
from sim_common.validation import text_problem

from . import users
from .models import Tenant
from .models import User as UniViewUser
from .scim_discovery import MAX_RESULTS, USER_RESOURCE_TYPE

# Errors with their wire codes, beyond those of scim2-models and sim_common.scim.


class DeletionRefused(ConflictException):
    """A user UniView cannot do without: the tenant's last active superuser. KaseyaOne disables
    such a user instead (UV-DEP-2)."""

    _default_detail = (
        "Deleting this user is not an option: they are the last active superuser of this "
        "UniView Portal. Disable the user instead (PATCH active to false)."
    )


# The mapping.


def has_own_name(user: UniViewUser) -> bool:
    return bool(user.name) and user.name != user.username


def to_scim(user: UniViewUser, base_url: str) -> User:
    named = has_own_name(user)
    return User(
        id=user.id,
        external_id=user.k1_subject,
        user_name=user.username,
        name=Name(formatted=user.name) if named else None,
        display_name=user.name if named else None,
        active=user.is_active,
        emails=emails(user.username),
        roles=[Role(value=user.role, primary=True)],
        meta=meta(
            USER_RESOURCE_TYPE.name,
            f"{base_url}/Users/{user.id}",
            user.created_at,
            user.modified_at,
        ),
    )


def to_scim_json(user, base_url: str) -> dict:
    """`to_scim(user, base_url)` as a query's answer dumps it, built straight from the row (a
    user, or a row of JSON_COLUMNS; see sim_common.scim.list_body)."""
    body: dict[str, Any] = {"schemas": [USER_SCHEMA], "id": user.id}
    if user.k1_subject is not None:
        body["externalId"] = user.k1_subject
    body["meta"] = {
        "resourceType": USER_RESOURCE_TYPE.name,
        "created": timestamp(user.created_at),
        "lastModified": timestamp(user.modified_at or user.created_at),
        "location": f"{base_url}/Users/{user.id}",
    }
    body["userName"] = user.username
    if has_own_name(user):
        body["name"] = {"formatted": user.name}
        body["displayName"] = user.name
    body["active"] = user.is_active
    email = email_value(user.username)
    if email is not None:
        body["emails"] = [{"value": email, "primary": True}]
    body["roles"] = [{"value": user.role, "primary": True}]
    return body


USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
# What `to_scim_json` reads of a user, selected as plain rows: a listing has no use for the ORM's
# objects, which cost more to make than the rows.
JSON_COLUMNS = (
    UniViewUser.id,
    UniViewUser.k1_subject,
    UniViewUser.created_at,
    UniViewUser.modified_at,
    UniViewUser.username,
    UniViewUser.name,
    UniViewUser.role,
    (UniViewUser.status == "active").label("is_active"),
)


def _formatted_name(resource: User) -> str | None:
    name = resource.name
    if name is None:
        return None
    if name.formatted:
        return name.formatted
    parts = (
        name.honorific_prefix,
        name.given_name,
        name.middle_name,
        name.family_name,
        name.honorific_suffix,
    )
    return " ".join(part for part in parts if part) or None


def _wanted_name(resource: User) -> str | None:
    return resource.display_name or _formatted_name(resource)


# Checks of the values UniView keeps.

_EMAIL_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+")


def _checked_text(value: str, attribute: str, column, what: str) -> None:
    problem = text_problem(value, column, required=False, strip=False)
    if problem:
        raise InvalidValueException(attribute=attribute, detail=f"{what} {problem}.")


def _checked_username(value: str | None) -> str:
    username = (value or "").strip().lower()
    if not _EMAIL_ADDRESS.fullmatch(username):
        raise InvalidValueException(
            attribute="userName",
            detail="userName must be an email address: it is the UniView Portal username.",
        )
    _checked_text(username, "userName", UniViewUser.username, "userName, the username,")
    return username


def _checked_external_id(value: str | None) -> str | None:
    if not value:
        return None
    _checked_text(value, "externalId", UniViewUser.k1_subject, "externalId, the KaseyaOne subject,")
    return value


def _checked_name(value: str | None) -> str | None:
    if value is not None:
        _checked_text(value, "displayName", UniViewUser.name, "A UniView name")
    return value or None


def _ensure_username_free(
    session: DbSession, tenant: Tenant, username: str, user: UniViewUser | None = None
) -> None:
    holder = users.find_user(session, tenant, username)
    if holder is not None and holder is not user:
        raise UniquenessException(
            attribute="userName",
            value=username,
            detail=f"Another UniView Portal user already has the userName '{username}'.",
        )


def _ensure_subject_free(
    session: DbSession, tenant: Tenant, subject: str | None, user: UniViewUser | None = None
) -> None:
    if subject is None:
        return
    holder = session.scalar(
        select(UniViewUser).where(
            UniViewUser.tenant_id == tenant.id, UniViewUser.k1_subject == subject
        )
    )
    if holder is not None and holder is not user:
        raise UniquenessException(
            attribute="externalId",
            value=subject,
            detail=f"Another UniView Portal user is already linked to the externalId '{subject}'.",
        )


# The operations.

_KEEP: Any = object()  # an attribute a request leaves as it is


def get_user(session: DbSession, tenant: Tenant, user_id: str) -> UniViewUser:
    user = session.get(UniViewUser, user_id)
    if user is None or user.tenant_id != tenant.id:
        raise NotFoundException(detail=f"There is no UniView Portal user with the id '{user_id}'.")
    return user


# The filters KaseyaOne sends (`userName eq`, `externalId eq`), which the database answers by
# index: the column, and the value as it is kept there (usernames in lower case: userName is
# compared without case, externalId exactly; RFC 7643 §4.1.1 and §3.1).
_INDEXED = {
    "username": (UniViewUser.username, str.lower),
    "externalid": (UniViewUser.k1_subject, str),
}


def _indexed_condition(attribute: str, value: str):
    if attribute not in _INDEXED:
        return None
    column, kept = _INDEXED[attribute]
    return column == kept(value)


@lru_cache
def _row_search(attribute: str | None) -> RowSearch:
    """A listing (`attribute` None), or a lookup by an attribute of _INDEXED, from rows."""
    query = select(*JSON_COLUMNS).where(UniViewUser.tenant_id == bindparam("tenant_id"))
    if attribute is not None:
        query = query.where(_INDEXED[attribute][0] == bindparam("value"))
    return RowSearch(query.order_by(UniViewUser.created_at, UniViewUser.id))


def search_users(
    session: DbSession, tenant: Tenant, search: SearchRequest[User], base_url: str
) -> ListResponse[User] | dict:
    """RFC 7644 §3.4.2: the tenant's users that match the filter, oldest first, one page of at
    most `count` (and at most MAX_RESULTS) from `startIndex`. Whole users that the database
    finds by itself (a listing, KaseyaOne's lookups) are answered as the dumped ListResponse,
    built from the rows; anything else as scim2-models' ListResponse, for it to shape."""
    if answered_whole_from_rows(search, _indexed_condition):
        params = {"tenant_id": tenant.id}
        attribute = None
        if search.filter is not None:
            attribute, value = equality_filter(search)
            params["value"] = _INDEXED[attribute][1](value)
        total, rows = _row_search(attribute).run(session, search, params, MAX_RESULTS)
        return list_body(search, total, [to_scim_json(row, base_url) for row in rows])
    query = (
        select(UniViewUser)
        .where(UniViewUser.tenant_id == tenant.id)
        .order_by(UniViewUser.created_at, UniViewUser.id)
    )
    total, page = search_resources(
        session,
        query,
        search,
        to_scim=lambda rows: [to_scim(user, base_url) for user in rows],
        indexed=_indexed_condition,
        max_results=MAX_RESULTS,
    )
    return list_response(User, search, total, page)


def create_user(session: DbSession, tenant: Tenant, resource: User) -> UniViewUser:
    """RFC 7644 §3.3: a new UniView account, with the integration's default role and no
    password: its user signs in through KaseyaOne."""
    username = _checked_username(resource.user_name)
    _ensure_username_free(session, tenant, username)
    subject = _checked_external_id(resource.external_id)
    _ensure_subject_free(session, tenant, subject)
    return users.create_user(
        session,
        tenant,
        username=username,
        name=_checked_name(_wanted_name(resource)),
        role=tenant.integration.default_role,
        status="disabled" if resource.active is False else "active",
        k1_subject=subject,
    )


def replace_user(
    session: DbSession, tenant: Tenant, user: UniViewUser, replacement: User, base_url: str
) -> UniViewUser:
    """RFC 7644 §3.5.1: the user as the request describes it. Read-only attributes keep their
    values; an omitted externalId or name is cleared; an omitted `active` leaves the account's
    status as it is (a PUT that forgot it must not re-enable a disabled account)."""
    replacement.replace(to_scim(user, base_url))
    _update_user(
        session,
        tenant,
        user,
        username=replacement.user_name,
        subject=replacement.external_id,
        name=_wanted_name(replacement),
        active=_KEEP if replacement.active is None else replacement.active,
    )
    return user


def patch_user(
    session: DbSession, tenant: Tenant, user: UniViewUser, patch: PatchOp[User], base_url: str
) -> UniViewUser:
    """RFC 7644 §3.5.2: the operations applied, by scim2-models, to the user's SCIM
    representation, and what changed carried over to UniView. Applying the same PATCH twice
    leaves the user as once."""
    before = to_scim(user, base_url)
    after = before.model_copy(deep=True)
    patch.patch(after)
    for derived in ("emails", "roles"):
        if dumped(getattr(after, derived)) != dumped(getattr(before, derived)):
            raise MutabilityException(
                attribute=derived,
                detail=f"'{derived}' is read-only here: it follows the user's "
                f"{'userName' if derived == 'emails' else 'UniView role'}.",
            )
    if after.active is None:
        raise MutabilityException(
            attribute="active",
            detail="'active' cannot be removed: a UniView account is always active or "
            "disabled. Replace it with false to disable the user.",
        )
    _update_user(
        session,
        tenant,
        user,
        username=after.user_name,
        subject=after.external_id,
        name=_patched_name(before, after),
        active=after.active,
    )
    return user


def _patched_name(before: User, after: User) -> str | None:
    if after.display_name != before.display_name:
        return after.display_name
    if _formatted_name(after) != _formatted_name(before):
        return _formatted_name(after)
    return _KEEP


def _update_user(
    session: DbSession,
    tenant: Tenant,
    user: UniViewUser,
    *,
    username: str | None = _KEEP,
    subject: str | None = _KEEP,
    name: str | None = _KEEP,
    active: bool = _KEEP,
) -> None:
    """Make the user so; a value equal to the current one changes nothing (not even
    meta.lastModified)."""
    renamed = username is not _KEEP and (username or "").strip().lower() != user.username
    relinked = subject is not _KEEP and (subject or None) != user.k1_subject
    if renamed:
        username = _checked_username(username)
        _ensure_username_free(session, tenant, username, user)
        if name is _KEEP and not has_own_name(user):
            name = None  # the default name follows the username
        user.username = username
    if relinked:
        subject = _checked_external_id(subject)
        _ensure_subject_free(session, tenant, subject, user)
        user.k1_subject = subject
    if renamed or relinked:
        users.mark_modified(session, user)
    account = {}
    if name is not _KEEP:
        account["name"] = _checked_name(name) or user.username
    if active is not _KEEP:
        account["status"] = "active" if active else "disabled"
    # Disabling ends every session of the user at once (UV-DEP-5).
    users.change_user(session, user, account)
    session.flush()


def delete_user(session: DbSession, tenant: Tenant, user: UniViewUser) -> None:
    """RFC 7644 §3.6: the user is deleted, their sessions and login exception with them (the
    foreign keys cascade) — unless UniView cannot do without them."""
    if user.role == "superuser" and user.is_active and users.count_superusers(session, tenant) <= 1:
        raise DeletionRefused()
    session.delete(user)
    session.flush()
