"""KaseyaOne's operations on users, groups, module instances and module access, named as the
documents name them. No Flask here: every operation takes the SQLAlchemy session it works in."""

from __future__ import annotations

import secrets

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, joinedload, object_session, selectinload

from module_contracts.settings import (
    ConfirmationRequired,
    check_options,
    check_version,
    next_version,
)
from sim_common.clock import tenant_now
from sim_common.db import add_once, delete_if_present, insert_new
from sim_common.passwords import MAX_PASSWORD_LENGTH, check_user_password, hash_password
from sim_common.validation import MAX_TEXT_LENGTH, text, text_list, url
from sim_common.web import new_id

from . import lifecycle
from .errors import (
    BadCredentials,
    EmailTaken,
    GroupNameTaken,
    GroupNotFound,
    InvalidRequest,
    ModuleInstanceNotFound,
    NotMasterUser,
    UserNotFound,
)
from .models import (
    Group,
    GroupMember,
    ModuleAccess,
    ModuleInstance,
    ModuleUser,
    OAuthClient,
    Tenant,
    User,
)
from .modules import contract_for
from .sessions import sign_out_everywhere

USER_STATUSES = ("active", "deactivated")


def create_user(
    session: Session, tenant: Tenant, *, email, name, password, master=False, status="active"
) -> User:
    email = text(email, "email", User.email).lower()
    if "@" not in email:
        raise InvalidRequest("'email' must be an email address.", field="email")
    if status not in USER_STATUSES:
        raise InvalidRequest(f"'status' must be one of {', '.join(USER_STATUSES)}.", field="status")
    if not isinstance(master, bool):
        raise InvalidRequest("'master' must be true or false.", field="master")
    if session.scalar(select(User.id).where(User.email == email)):
        raise EmailTaken()
    user = User(
        id=new_id(),
        tenant_id=tenant.id,
        email=email,
        name=text(name, "name", User.name),
        password_hash=hash_password(text(password, "password", MAX_PASSWORD_LENGTH)),
        is_master=bool(master),
        status=status,
        created_at=tenant_now(tenant),
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, tenant: Tenant, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None or user.tenant_id != tenant.id:
        raise UserNotFound()
    return user


def list_users(session: Session, tenant: Tenant) -> list[User]:
    return list(
        session.scalars(select(User).where(User.tenant_id == tenant.id).order_by(User.email))
    )


def find_user_by_any_tenant(session: Session, email: str) -> User | None:
    """A KaseyaOne username is unique across the hub: a sign-in finds the user whatever the
    tenant (Admin Settings has none; a module's is checked after the password)."""
    return session.scalar(USER_BY_EMAIL, {"email": (email or "").strip().lower()})


# Built once, as every sign-in asks it (building a statement costs more than running it).
USER_BY_EMAIL = select(User).where(User.email == bindparam("email"))


def authenticate_user(session: Session, email: str, password: str) -> User:
    """The active user with this email and password, whatever tenant they belong to (failed
    passwords throttled: sim_common.throttle)."""
    user = find_user_by_any_tenant(session, email)
    tenant = user.tenant if user is not None else None
    if not check_user_password(user, password, tenant=tenant, account=email) or not user.is_active:
        raise BadCredentials()
    return user


def authenticate_master_user(session: Session, email: str, password: str) -> User:
    """The master user behind an admin call (HTTP Basic), whatever tenant they belong to."""
    user = authenticate_user(session, email, password)
    if not user.is_master:
        raise NotMasterUser()
    return user


def authenticate_module_instance(session: Session, client_id, client_secret) -> ModuleInstance:
    """The module instance behind a call it makes itself: HTTP Basic with the client_id and
    client_secret of the OAuth client KaseyaOne issued it."""
    client = session.get(OAuthClient, client_id) if isinstance(client_id, str) else None
    if client is None or not client.check_client_secret(client_secret):
        raise BadCredentials("Use HTTP Basic with the module instance's client_id and secret.")
    return client.instance


def set_user_status(session: Session, user: User, status: str) -> bool:
    """Whether the status changed. A deactivated user is signed out of KaseyaOne at once, and
    the tokens issued for them are revoked (re-activating does not bring them back)."""
    if status not in USER_STATUSES:
        raise InvalidRequest(f"'status' must be one of {', '.join(USER_STATUSES)}.")
    changed, user.status = user.status != status, status
    if changed:
        user.modified_at = tenant_now(user.tenant)
    if status == "deactivated":
        sign_out_everywhere(session, user)
    return changed


def deactivate_user(session: Session, user: User) -> int:
    """The user can no longer sign in; each module where they have an account and whose
    contract says so is told (UV-DEP-1). How many pushes that queued."""
    if not set_user_status(session, user, "deactivated"):
        return 0
    return lifecycle.queue_lifecycle_change(session, user, "deactivated")


def activate_user(session: Session, user: User) -> int:
    if not set_user_status(session, user, "active"):
        return 0
    return lifecycle.queue_lifecycle_change(session, user, "activated")


def delete_user(session: Session, user: User) -> int:
    """The user is gone from KaseyaOne; the modules where they had an account are told first
    (UV-DEP-2), while KaseyaOne still knows where that is."""
    pushes = lifecycle.queue_lifecycle_change(session, user, "deleted")
    groups_of_user = select(GroupMember.group_id).where(GroupMember.user_id == user.id)
    _touch_all(session, Group, groups_of_user, tenant_now(user.tenant))  # they lose a member
    session.delete(user)
    session.flush()
    return pushes


def apply_module_settings(instance: ModuleInstance, version, settings, options=None) -> bool:
    """A module pushes its integration settings document; only a newer version is applied,
    taken whole by its contract's rules, with the options it offers for the values it owns."""
    check_version(version, settings)
    rules = contract_for(instance.module).rules
    options = check_options(rules, options) if options is not None else instance.setting_options
    document = rules.whole_document(rules.defaults, settings, options)
    if version <= instance.settings_version:
        return False
    instance.settings, instance.settings_version = document, version
    instance.setting_options = options
    return True


def remove_module_instance(session: Session, instance: ModuleInstance) -> str:
    from sim_common.outbox import cancel_pending

    from .models import Outbox

    instance_id = instance.id
    cancel_pending(
        session, Outbox, "the module instance was removed", Outbox.destination == instance_id
    )
    session.delete(instance)
    session.flush()
    return instance_id


def module_settings(instance: ModuleInstance) -> dict:
    return {**contract_for(instance.module).rules.defaults, **(instance.settings or {})}


def change_module_settings(instance: ModuleInstance, changes, confirmed) -> dict:
    """A master user edits a module instance's settings in Module Management (UV-SYNC-2): the
    module kind's rules hold, and some changes need an extra confirmation (UV-SYNC-3). A change
    is a new version of the settings document, pushed to the module. Returns what changed."""
    rules = contract_for(instance.module).rules
    changed = rules.changed(module_settings(instance), changes, instance.setting_options)
    needs = rules.needing_confirmation(changed)
    if needs and confirmed is not True:
        raise ConfirmationRequired(fields=needs)
    if changed:
        instance.settings_version = next_version(instance.settings_version)
        instance.settings = {**module_settings(instance), **changed}
        lifecycle.push_module_settings(object_session(instance), instance)
    return changed


# Groups. Their SCIM views (mock_kaseyaone.scim) show when they last changed: a rename, or a
# member added or removed, changes the group and its members (whose `groups` show its name).


def _ensure_group_name_free(session: Session, tenant: Tenant, name: str, group=None) -> None:
    holder = find_group_by_name(session, tenant, name)
    if holder is not None and holder is not group:
        raise GroupNameTaken(f"A group named '{name}' already exists.", field="name")


def _touch_all(session: Session, model, ids, moment) -> None:
    """Mark the rows of `model` whose ids `ids` (a select) names as changed at `moment`."""
    session.execute(update(model).where(model.id.in_(ids)).values(modified_at=moment))


def _members_of(group: Group):
    return select(GroupMember.user_id).where(GroupMember.group_id == group.id)


def create_group(session: Session, tenant: Tenant, name) -> Group:
    name = text(name, "name", Group.name)
    _ensure_group_name_free(session, tenant, name)
    group = Group(id=new_id(), tenant_id=tenant.id, name=name, created_at=tenant_now(tenant))
    session.add(group)
    session.flush()
    return group


def get_group(session: Session, tenant: Tenant, group_id: str) -> Group:
    group = session.get(Group, group_id)
    if group is None or group.tenant_id != tenant.id:
        raise GroupNotFound()
    return group


def list_groups(session: Session, tenant: Tenant) -> list[Group]:
    return list(
        session.scalars(
            select(Group)
            .where(Group.tenant_id == tenant.id)
            .order_by(Group.name, Group.id)
            .options(selectinload(Group.members))
        )
    )


def find_group_by_name(session: Session, tenant: Tenant, name: str) -> Group | None:
    return session.scalar(select(Group).where(Group.tenant_id == tenant.id, Group.name == name))


def rename_group(session: Session, group: Group, name) -> bool:
    """Whether the name changed. Names are unique in a tenant."""
    name = text(name, "name", Group.name)
    if name == group.name:
        return False
    _ensure_group_name_free(session, group.tenant, name, group)
    now = tenant_now(group.tenant)
    group.name, group.modified_at = name, now
    _touch_all(session, User, _members_of(group), now)
    session.flush()
    return True


def delete_group(session: Session, group: Group) -> None:
    _touch_all(session, User, _members_of(group), tenant_now(group.tenant))
    session.delete(group)
    session.flush()


def set_user_groups(session: Session, tenant: Tenant, user: User, names) -> None:
    """Put the user in these groups, creating those that do not exist yet (once, when another
    request creates the same group at the same moment)."""
    for name in text_list(names, "groups", Group.name):
        now = tenant_now(tenant)
        row = {"id": new_id(), "tenant_id": tenant.id, "name": name, "created_at": now}
        insert_new(session, Group, [row])
        add_group_member(session, find_group_by_name(session, tenant, name), user)


def _members_changed(session: Session, group: Group, user: User) -> None:
    session.expire(group, ["members"])
    session.expire(user, ["groups"])
    group.modified_at = user.modified_at = tenant_now(group.tenant)


def add_group_member(session: Session, group: Group, user: User) -> bool:
    """Whether the user was not a member yet (adding twice, or twice at the same moment, adds
    once)."""
    added = insert_new(session, GroupMember, [{"group_id": group.id, "user_id": user.id}])
    if added:
        _members_changed(session, group, user)
    return bool(added)


def remove_group_member(session: Session, group: Group, user: User) -> bool:
    """Whether the user was a member (removing a non-member changes nothing)."""
    removed = delete_if_present(session, GroupMember, group_id=group.id, user_id=user.id)
    if removed:
        _members_changed(session, group, user)
    return removed


def group_json(group: Group) -> dict:
    members = sorted(group.members, key=lambda user: user.email)
    return {"id": group.id, "name": group.name, "members": [user.id for user in members]}


def _url_list(value, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRequest(f"'{field}' must be a list of absolute http(s) URLs.", field=field)
    return [url(uri, field) for uri in value]


def register_module_instance(
    session: Session,
    tenant: Tenant,
    *,
    module,
    name,
    redirect_uris,
    scim=None,
    post_logout_redirect_uris=None,
    initiate_login_uri=None,
) -> ModuleInstance:
    """A module adds its KaseyaOne integration: KaseyaOne records the module instance and issues
    the confidential OpenID Connect client it signs users in with. A module that offers a SCIM
    service provider says where (`scim`: base_url and the bearer token for it). Client metadata
    as OpenID Connect Dynamic Client Registration names it: `post_logout_redirect_uris`
    (RP-Initiated Logout §3.1) and `initiate_login_uri` (Core §4, where a tile starts a sign-in
    at the module)."""
    contract = contract_for(module)
    if not isinstance(redirect_uris, list) or not redirect_uris:
        raise InvalidRequest(
            "'redirect_uris' must be a list of absolute http(s) URLs.", field="redirect_uris"
        )
    redirect_uris = [url(uri, "redirect_uris") for uri in redirect_uris]
    if scim is not None and not isinstance(scim, dict):
        raise InvalidRequest("'scim' must have a 'base_url' (http(s)) and a 'token'.", field="scim")
    post_logout_redirect_uris = _url_list(post_logout_redirect_uris, "post_logout_redirect_uris")
    if initiate_login_uri is not None:
        initiate_login_uri = url(initiate_login_uri, "initiate_login_uri")
    settings_url = (scim or {}).get("settings_url")
    instance = ModuleInstance(
        id=new_id(),
        tenant_id=tenant.id,
        module=module,
        name=text(name or contract.name, "name", ModuleInstance.name),
        created_at=tenant_now(tenant),
        scim_base_url=url(scim.get("base_url"), "scim.base_url").rstrip("/") if scim else None,
        scim_token=text(scim.get("token"), "scim.token", MAX_TEXT_LENGTH) if scim else None,
        settings_url=url(settings_url, "scim.settings_url") if settings_url else None,
    )
    instance.client = OAuthClient(
        client_id="k1c_" + secrets.token_hex(12),
        client_secret=secrets.token_urlsafe(32),
        tenant_id=tenant.id,
        redirect_uris=list(redirect_uris),
        post_logout_redirect_uris=post_logout_redirect_uris,
        initiate_login_uri=initiate_login_uri,
    )
    session.add(instance)
    session.flush()
    return instance


def get_module_instance(session: Session, tenant: Tenant, instance_id: str) -> ModuleInstance:
    instance = session.get(ModuleInstance, instance_id)
    if instance is None or instance.tenant_id != tenant.id:
        raise ModuleInstanceNotFound()
    return instance


def list_module_instances(session: Session, tenant: Tenant) -> list[ModuleInstance]:
    return list(
        session.scalars(
            select(ModuleInstance)
            .where(ModuleInstance.tenant_id == tenant.id)
            .order_by(ModuleInstance.created_at)
        )
    )


def grant_module_access(session: Session, instance: ModuleInstance, user: User) -> int:
    """Granting twice is granting once; a new grant is pushed where the module's contract says
    so (Autotask provisions the account, AT-PROV-1). How many pushes that queued."""
    if not add_once(session, ModuleAccess, instance_id=instance.id, user_id=user.id):
        return 0
    return lifecycle.queue_lifecycle_change(session, user, "access_granted", only=instance)


def withdraw_module_access(session: Session, instance: ModuleInstance, user: User) -> int:
    """Withdrawing twice is withdrawing once; the module is told (UV-DEP-3)."""
    if not delete_if_present(session, ModuleAccess, instance_id=instance.id, user_id=user.id):
        return 0
    return lifecycle.queue_lifecycle_change(session, user, "access_withdrawn", only=instance)


def has_module_access(session: Session, instance_id: str, user: User) -> bool:
    return session.get(ModuleAccess, (instance_id, user.id)) is not None


# Built once: every tile page and app launcher reads it (building it cost more than running it).
INSTANCES_WITH_ACCESS = (
    select(ModuleInstance)
    .join(ModuleAccess, ModuleAccess.instance_id == ModuleInstance.id)
    .where(
        ModuleAccess.user_id == bindparam("user_id"),
        ModuleInstance.tenant_id == bindparam("tenant_id"),
    )
    .order_by(ModuleInstance.created_at, ModuleInstance.id)
    .options(joinedload(ModuleInstance.client))  # each tile's launch URL is the client's
)


def instances_with_access(session: Session, user: User) -> list[ModuleInstance]:
    """The module instances the user has access to, whatever their module (K1-HUB-1, 3)."""
    parameters = {"user_id": user.id, "tenant_id": user.tenant_id}
    return list(session.scalars(INSTANCES_WITH_ACCESS, parameters))


def _count(session: Session, model, instance: ModuleInstance) -> int:
    query = select(func.count()).select_from(model).where(model.instance_id == instance.id)
    return session.scalar(query) or 0


def record_module_user(session: Session, instance_id: str, user: User) -> None:
    add_once(session, ModuleUser, instance_id=instance_id, user_id=user.id)


def user_json(session: Session, user: User, instances: list[ModuleInstance] | None = None) -> dict:
    body = {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "status": user.status,
        "master": user.is_master,
        "groups": [g.name for g in user.groups],
    }
    if instances is not None:
        body["module_access"] = [i.id for i in instances if has_module_access(session, i.id, user)]
    return body


def instance_json(session: Session, instance: ModuleInstance) -> dict:
    return {
        "id": instance.id,
        "module": instance.module,
        "module_name": contract_for(instance.module).name,
        "name": instance.name,
        "client_id": instance.client.client_id,
        "redirect_uris": instance.client.redirect_uris,
        "post_logout_redirect_uris": instance.client.post_logout_redirect_uris or [],
        "initiate_login_uri": instance.client.initiate_login_uri,
        "users": _count(session, ModuleUser, instance),
        "users_with_access": _count(session, ModuleAccess, instance),
    }


def seed_tenant(session: Session, tenant: Tenant, seed: dict) -> dict:
    """Seed a fresh tenant from a control-plane body: `users` (email, name, password, master,
    status, groups) and `groups` (names)."""
    users, groups = seed.get("users", []), seed.get("groups", [])
    if not isinstance(users, list) or not isinstance(groups, list):
        raise InvalidRequest("'users' and 'groups' must be lists.")
    for name in groups:
        create_group(session, tenant, name)
    created = []
    for spec in users:
        if not isinstance(spec, dict):
            raise InvalidRequest("Each seeded user must be an object.")
        user = create_user(
            session,
            tenant,
            email=spec.get("email"),
            name=spec.get("name"),
            password=spec.get("password"),
            master=spec.get("master", False),
            status=spec.get("status", "active"),
        )
        set_user_groups(session, tenant, user, spec.get("groups", []))
        created.append(user_json(session, user))
    return {"users": created}
