"""Resources (Autotask's users) and the tenant's API user. To preserve data integrity Autotask
never deletes a resource (psa.datto.com/help "Adding, editing, or copying a resource": "resources
cannot be deleted from Autotask"); a resource is made inactive, which ends its sessions, and an
inactive resource cannot sign in by any path. Who may approve timesheets and expense reports
(Autotask's system roles "Time sheet approval" and "Expense approval", SOAP ResourceRole) and who
approves each resource's are kept here too: Automatic User Provisioning's defaults name them."""

from __future__ import annotations

import hmac
import secrets

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as DbSession

from sim_common.clock import tenant_now
from sim_common.errors import Conflict, InvalidRequest
from sim_common.passwords import check_password, hash_password

from . import organization
from .errors import ApiAuthenticationFailed, NameTaken, ResourceNotFound
from .fields import MAX_INTEGER, flag, reject_unknown, storable, text
from .models import ApiUser, Resource, Session, Tenant

# The resource fields a person or program gives, by the names Autotask's REST API uses where it
# has one; references (security level, department, role) by name or id, approvers by user name
# or id.
SETTABLE = (
    "userName",
    "email",
    "firstName",
    "lastName",
    "title",
    "password",
    "isActive",
    "securityLevel",
    "department",
    "role",
    "approvesTimesheets",
    "approvesExpenses",
    "timesheetApprover",
    "expenseApprover",
)
CHANGEABLE = tuple(key for key in SETTABLE if key != "userName")
PASSWORD_LENGTH = 128


def _email(value) -> str:
    email = text(value, "email", 254)
    if "@" not in email or any(c.isspace() for c in email):
        raise InvalidRequest("'email' must be an email address.", field="email")
    return email


def user_name_of(value) -> str:
    """A user name as Autotask keeps it (lower case, no spaces), or InvalidRequest naming it."""
    name = text(value, "userName", 254)
    if any(c.isspace() or not c.isprintable() for c in name):
        raise InvalidRequest("'userName' must not contain spaces.", field="userName")
    return name.lower()


def _password(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > PASSWORD_LENGTH:
        raise InvalidRequest(
            f"'password' must be a string of 1 to {PASSWORD_LENGTH} characters.",
            field="password",
        )
    if not storable(value):
        raise InvalidRequest(
            "'password' must not contain a NUL character or an unpaired surrogate.",
            field="password",
        )
    return value


def find_resource(session: DbSession, tenant: Tenant, user_name) -> Resource | None:
    if not isinstance(user_name, str) or not user_name.strip() or not storable(user_name):
        return None
    return session.scalar(
        select(Resource).where(
            Resource.tenant_id == tenant.id, Resource.user_name == user_name.strip().lower()
        )
    )


def get_resource(session: DbSession, tenant: Tenant, ref) -> Resource:
    """A resource of the tenant, by id, or by user name where `ref` is not a number."""
    if isinstance(ref, str) and not ref.strip().lstrip("-").isdigit():
        resource = find_resource(session, tenant, ref)
    else:
        if isinstance(ref, str):
            ref = int(ref) if len(ref.strip()) < 20 else 0  # more digits than any id has
        if isinstance(ref, bool) or not isinstance(ref, int):
            raise InvalidRequest("A resource is named by its id or its user name.", field="id")
        resource = session.get(Resource, ref) if 0 < ref <= MAX_INTEGER else None
        if resource is not None and resource.tenant_id != tenant.id:
            resource = None
    if resource is None:
        raise ResourceNotFound(f"There is no resource '{ref}' in this Autotask instance.")
    return resource


def list_resources(session: DbSession, tenant: Tenant) -> list[Resource]:
    return list(
        session.scalars(
            select(Resource).where(Resource.tenant_id == tenant.id).order_by(Resource.id)
        )
    )


def _approver(session: DbSession, tenant: Tenant, ref, field: str, flag_name: str, what: str):
    if ref is None:
        return None
    approver = get_resource(session, tenant, ref)
    if not getattr(approver, flag_name):
        raise InvalidRequest(f"{approver.user_name} does not approve {what}.", field=field)
    if not approver.is_active:
        raise InvalidRequest(f"{approver.user_name} is inactive.", field=field)
    return approver


def _apply(session: DbSession, tenant: Tenant, resource: Resource, values: dict) -> None:
    """Set what `values` gives (checked field by field) on `resource`."""
    setters = {
        "email": lambda v: setattr(resource, "email", _email(v)),
        "firstName": lambda v: setattr(resource, "first_name", text(v, "firstName", 50)),
        "lastName": lambda v: setattr(resource, "last_name", text(v, "lastName", 50)),
        "title": lambda v: setattr(resource, "title", text(v, "title", 50, required=False)),
        "password": lambda v: setattr(
            resource, "password_hash", hash_password(_password(v)) if v is not None else None
        ),
        "securityLevel": lambda v: setattr(
            resource, "security_level", organization.get_security_level(session, tenant, v)
        ),
        "department": lambda v: setattr(
            resource,
            "department",
            organization.get_department(session, tenant, v) if v is not None else None,
        ),
        "role": lambda v: setattr(
            resource, "role", organization.get_role(session, tenant, v) if v is not None else None
        ),
        "approvesTimesheets": lambda v: setattr(
            resource, "approves_timesheets", flag(v, "approvesTimesheets")
        ),
        "approvesExpenses": lambda v: setattr(
            resource, "approves_expenses", flag(v, "approvesExpenses")
        ),
        "timesheetApprover": lambda v: setattr(
            resource,
            "timesheet_approver",
            _approver(session, tenant, v, "timesheetApprover", "approves_timesheets", "timesheets"),
        ),
        "expenseApprover": lambda v: setattr(
            resource,
            "expense_approver",
            _approver(
                session, tenant, v, "expenseApprover", "approves_expenses", "expense reports"
            ),
        ),
    }
    for key, value in values.items():
        if key in setters:
            setters[key](value)


def create_resource(session: DbSession, tenant: Tenant, spec: dict) -> Resource:
    """A new resource, as Admin > Resources > New Resource makes one (the seed and the own API
    alike); a security level is required, as on Autotask's Security tab."""
    if not isinstance(spec, dict):
        raise InvalidRequest("A resource must be an object.")
    reject_unknown(spec, SETTABLE, "A resource")
    user_name = user_name_of(spec.get("userName"))
    if find_resource(session, tenant, user_name) is not None:
        raise NameTaken(f"A resource with the user name '{user_name}' already exists.")
    if spec.get("securityLevel") is None:
        raise InvalidRequest("'securityLevel' is required.", field="securityLevel")
    resource = Resource(
        tenant_id=tenant.id,
        user_name=user_name,
        is_active=flag(spec.get("isActive", True), "isActive"),
        created_at=tenant_now(tenant),
    )
    for required in ("email", "firstName", "lastName"):
        if spec.get(required) is None:
            raise InvalidRequest(f"'{required}' is required.", field=required)
    _apply(session, tenant, resource, spec)
    session.add(resource)
    session.flush()
    organization.options_may_have_changed(session, tenant)
    _facts_may_have_changed(session, tenant)
    return resource


def change_resource(session: DbSession, resource: Resource, changes: dict, allowed=CHANGEABLE):
    """Change what `changes` names; `isActive` false makes the resource inactive, true active."""
    if not isinstance(changes, dict):
        raise InvalidRequest("The changes must be an object.")
    reject_unknown(changes, allowed, "A resource's changes")
    tenant = session.get(Tenant, resource.tenant_id)
    _apply(session, tenant, resource, changes)
    for approves, assigned, what in (
        ("approves_timesheets", Resource.timesheet_approver_id, "timesheet"),
        ("approves_expenses", Resource.expense_approver_id, "expense report"),
    ):
        if not getattr(resource, approves) and session.scalar(
            select(func.count()).select_from(Resource).where(assigned == resource.id)
        ):
            raise Conflict(
                f"{resource.user_name} is the {what} approver of other resources: assign them "
                "another approver first."
            )
    if "isActive" in changes:
        if flag(changes["isActive"], "isActive"):
            make_active(resource)
        else:
            make_inactive(session, resource)
    session.flush()
    organization.options_may_have_changed(session, tenant)
    _facts_may_have_changed(session, tenant)
    return resource


def _facts_may_have_changed(session: DbSession, tenant: Tenant) -> None:
    """Who is active, and who approves whom, is what some of Cooper's insights read
    (mock_autotask.telemetry)."""
    from .telemetry import facts_may_have_changed  # telemetry reads resources through this module

    facts_may_have_changed(session, tenant)


def rename_resource(session: DbSession, resource: Resource, user_name) -> None:
    """A new user name for the resource (KaseyaOne renames its user over SCIM), unique in the
    instance."""
    name = user_name_of(user_name)
    if name == resource.user_name:
        return
    holder = find_resource(session, session.get(Tenant, resource.tenant_id), name)
    if holder is not None:
        raise NameTaken(f"A resource with the user name '{name}' already exists.")
    resource.user_name = name
    session.flush()


def make_inactive(session: DbSession, resource: Resource) -> None:
    """Autotask's Inactivate: the resource stays, its sessions end at once."""
    resource.is_active = False
    session.execute(delete(Session).where(Session.resource_id == resource.id))


def make_active(resource: Resource) -> None:
    resource.is_active = True


def entity_fields(resource: Resource) -> dict:
    """The resource's fields as Autotask REST's Resources entity names them (Datto's swagger
    ResourceModel); the role is the default service desk role, the license type the security
    level's (a picklist number)."""
    return {
        "id": resource.id,
        "userName": resource.user_name,
        "email": resource.email,
        "firstName": resource.first_name,
        "lastName": resource.last_name,
        "title": resource.title,
        "isActive": resource.is_active,
        "licenseType": resource.security_level.license_type,
        "defaultServiceDeskRoleID": resource.role_id,
    }


def resource_json(resource: Resource) -> dict:
    """A resource as the simulator's own API and seed answers show it: the entity's fields (the
    license type by name), and what Autotask's REST API does not show of it."""

    def name(row, attribute="name"):
        return getattr(row, attribute) if row is not None else None

    return {
        **entity_fields(resource),
        "licenseType": organization.LICENSE_TYPES[resource.security_level.license_type],
        "securityLevel": resource.security_level.name,
        "securityLevelID": resource.security_level_id,
        "department": name(resource.department),
        "departmentID": resource.department_id,
        "role": name(resource.role),
        "approvesTimesheets": resource.approves_timesheets,
        "approvesExpenses": resource.approves_expenses,
        "timesheetApprover": name(resource.timesheet_approver, "user_name"),
        "expenseApprover": name(resource.expense_approver, "user_name"),
        "hasPassword": resource.password_hash is not None,
        "kaseyaoneSubject": resource.k1_subject,
    }


# The API user.


def create_api_user(session: DbSession, tenant: Tenant, spec) -> dict:
    """The tenant's API user, from `{"userName", "secret", "integrationCode"}` (each generated
    where not given). Answers the credentials in clear, once: the caller needs them."""
    spec = spec if spec is not None else {}
    if not isinstance(spec, dict):
        raise InvalidRequest("'api_user' must be an object.", field="api_user")
    reject_unknown(spec, ("userName", "secret", "integrationCode"), "The API user")
    user_name = user_name_of(spec.get("userName") or f"api-{tenant.id}@autotask.sim.test")
    secret = text(spec.get("secret"), "secret", PASSWORD_LENGTH, required=False)
    secret = secret or secrets.token_urlsafe(18)
    code = text(spec.get("integrationCode"), "integrationCode", 100, required=False)
    code = code or secrets.token_hex(12).upper()
    if session.scalar(select(ApiUser.id).where(ApiUser.user_name == user_name)) is not None:
        raise NameTaken(f"The API user name '{user_name}' is taken.", field="userName")
    session.add(
        ApiUser(
            tenant_id=tenant.id,
            user_name=user_name,
            secret_hash=hash_password(secret),
            integration_code=code,
        )
    )
    session.flush()
    return {"userName": user_name, "secret": secret, "integrationCode": code}


def authenticate_api_user(session: DbSession, integration_code, user_name, secret) -> ApiUser:
    """The API user the three headers name; the same refusal, in the same time, whichever of
    them is wrong."""
    user = None
    if isinstance(user_name, str) and storable(user_name):
        user = session.scalar(select(ApiUser).where(ApiUser.user_name == user_name.strip().lower()))
    secret = secret if isinstance(secret, str) and storable(secret) else ""
    password_ok = check_password(user.secret_hash if user else None, secret)
    code_ok = user is not None and hmac.compare_digest(
        user.integration_code.encode(), (integration_code or "").encode()
    )
    if not (password_ok and code_ok):
        raise ApiAuthenticationFailed()
    return user


# Seeding through the control plane.

SEED_KEYS = ("id", "name", "api_user", "security_levels", "departments", "roles", "resources")


def _seed_list(seed: dict, key: str) -> list:
    items = seed.get(key, [])
    if not isinstance(items, list):
        raise InvalidRequest(f"'{key}' must be a list.", field=key)
    return items


def seed_tenant(session: DbSession, tenant: Tenant, seed: dict) -> dict:
    """A new tenant's contents: the system security levels, then what the seed adds (see the
    README's seed format), in one transaction with the tenant."""
    reject_unknown(seed, SEED_KEYS, "An Autotask seed")
    organization.seed_security_levels(session, tenant)
    for spec in _seed_list(seed, "security_levels"):
        if not isinstance(spec, dict):
            raise InvalidRequest("Each seeded security level must be an object.")
        organization.add_security_level(session, tenant, spec)
    departments = [
        organization.add_department(session, tenant, spec)
        for spec in _seed_list(seed, "departments")
    ]
    roles = [organization.add_role(session, tenant, spec) for spec in _seed_list(seed, "roles")]
    api_user = create_api_user(session, tenant, seed.get("api_user"))
    specs = _seed_list(seed, "resources")
    # Approvers may be seeded after those they approve: resources first, then their approvers.
    resources = [
        create_resource(
            session,
            tenant,
            {k: v for k, v in spec.items() if k not in ("timesheetApprover", "expenseApprover")}
            if isinstance(spec, dict)
            else spec,
        )
        for spec in specs
    ]
    for resource, spec in zip(resources, specs, strict=True):
        approvers = {k: spec[k] for k in ("timesheetApprover", "expenseApprover") if k in spec}
        if approvers:
            change_resource(session, resource, approvers)
    return {
        "api_user": api_user,
        "security_levels": [
            organization.security_level_json(level)
            for level in organization.list_security_levels(session, tenant)
        ],
        "departments": [organization.named_json(d) for d in departments],
        "roles": [organization.named_json(r) for r in roles],
        "resources": [resource_json(r) for r in resources],
    }
