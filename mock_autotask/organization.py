"""Security levels, departments and roles: what Admin > Organization Settings & Users >
Resources/Users (HR) sets up and every resource is given. A new tenant starts with Autotask's
system security levels (psa.datto.com/help "System security levels": System Administrator and Full
Access have full Admin access; Manager, Service Desk User, Team Member, Co-managed Help Desk and
Time and Attendance have none), each with its license type; departments and roles come from the
seed or are added. License type numbers are this simulator's: Autotask's picklist values vary by
instance (REST "Autotask REST API resources": picklists "may vary between Autotask
implementations")."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from sim_common.errors import InvalidRequest

from .errors import NameTaken, NotFound
from .fields import flag, integer, reject_unknown, text
from .models import Department, Role, SecurityLevel, Tenant

LICENSE_TYPES = {
    1: "Administrator",
    2: "Professional",
    3: "Team Member",
    4: "Co-managed Help Desk",
    5: "Time and Attendance",
}
LICENSE_TYPE_IDS = {name.lower(): number for number, name in LICENSE_TYPES.items()}

# (name, Admin permission, license type)
SYSTEM_SECURITY_LEVELS = (
    ("System Administrator", True, "Administrator"),
    ("Full Access", True, "Professional"),
    ("Manager", False, "Professional"),
    ("Service Desk User", False, "Professional"),
    ("Team Member", False, "Team Member"),
    ("Co-managed Help Desk", False, "Co-managed Help Desk"),
    ("Time and Attendance", False, "Time and Attendance"),
)
NAME_LENGTH = 100
DESCRIPTION_LENGTH = 1000
KINDS = {SecurityLevel: "security level", Department: "department", Role: "role"}


def _add(session: DbSession, tenant: Tenant, model, name, **values):
    name = text(name, "name", NAME_LENGTH)
    taken = session.scalar(
        select(model.id).where(
            model.tenant_id == tenant.id, model.name.ilike(_like(name), escape="\\")
        )
    )
    if taken is not None:
        raise NameTaken(f"This Autotask instance already has a {KINDS[model]} named '{name}'.")
    row = model(tenant_id=tenant.id, name=name, **values)
    session.add(row)
    session.flush()
    options_may_have_changed(session, tenant)
    return row


def options_may_have_changed(session: DbSession, tenant: Tenant) -> None:
    """What the KaseyaOne integration's settings may name has changed: KaseyaOne is told, if
    the integration is added (mock_autotask.integration)."""
    from .integration import offer_current_options  # the integration builds on this module

    offer_current_options(session, tenant)


def _get(session: DbSession, tenant: Tenant, model, ref, field: str):
    """A security level, department or role of the tenant, by id or by name (any case)."""
    if isinstance(ref, str) and not ref.strip().lstrip("-").isdigit():
        name = text(ref, field, NAME_LENGTH)
        row = session.scalar(
            select(model).where(
                model.tenant_id == tenant.id, model.name.ilike(_like(name), escape="\\")
            )
        )
    else:
        row = session.get(model, integer(ref, field))
        row = row if row is not None and row.tenant_id == tenant.id else None
    if row is None:
        raise NotFound(f"There is no {KINDS[model]} '{ref}' in this Autotask instance.")
    return row


def _like(value: str) -> str:
    """A LIKE pattern matching exactly `value`, ignoring case."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _list(session: DbSession, tenant: Tenant, model) -> list:
    return list(
        session.scalars(select(model).where(model.tenant_id == tenant.id).order_by(model.id))
    )


def seed_security_levels(session: DbSession, tenant: Tenant) -> None:
    for name, admin, license_type in SYSTEM_SECURITY_LEVELS:
        _add(
            session,
            tenant,
            SecurityLevel,
            name,
            admin=admin,
            license_type=LICENSE_TYPE_IDS[license_type.lower()],
            system=True,
        )


def add_security_level(session: DbSession, tenant: Tenant, spec: dict) -> SecurityLevel:
    """A custom security level: `{"name", "admin": false, "licenseType": "Professional"}`."""
    reject_unknown(spec, ("name", "admin", "licenseType"), "A security level")
    license_type = text(spec.get("licenseType") or "Professional", "licenseType", 50)
    if license_type.lower() not in LICENSE_TYPE_IDS:
        raise InvalidRequest(
            f"'licenseType' must be one of {', '.join(LICENSE_TYPES.values())}.",
            field="licenseType",
        )
    return _add(
        session,
        tenant,
        SecurityLevel,
        spec.get("name"),
        admin=flag(spec.get("admin", False), "admin"),
        license_type=LICENSE_TYPE_IDS[license_type.lower()],
        system=False,
    )


def add_department(session: DbSession, tenant: Tenant, spec) -> Department:
    """`{"name", "description"}`, or just the name."""
    return _add_named(session, tenant, Department, spec, "A department")


def add_role(session: DbSession, tenant: Tenant, spec) -> Role:
    """`{"name", "description"}`, or just the name."""
    return _add_named(session, tenant, Role, spec, "A role")


def _add_named(session: DbSession, tenant: Tenant, model, spec, what: str):
    if not isinstance(spec, dict):
        spec = {"name": spec}
    reject_unknown(spec, ("name", "description"), what)
    description = text(spec.get("description"), "description", DESCRIPTION_LENGTH, required=False)
    return _add(session, tenant, model, spec.get("name"), description=description or "")


def get_security_level(session: DbSession, tenant: Tenant, ref, field="securityLevel"):
    return _get(session, tenant, SecurityLevel, ref, field)


def get_department(session: DbSession, tenant: Tenant, ref, field="department"):
    return _get(session, tenant, Department, ref, field)


def get_role(session: DbSession, tenant: Tenant, ref, field="role"):
    return _get(session, tenant, Role, ref, field)


def list_security_levels(session: DbSession, tenant: Tenant) -> list[SecurityLevel]:
    return _list(session, tenant, SecurityLevel)


def list_departments(session: DbSession, tenant: Tenant) -> list[Department]:
    return _list(session, tenant, Department)


def list_roles(session: DbSession, tenant: Tenant) -> list[Role]:
    return _list(session, tenant, Role)


def security_level_json(level: SecurityLevel) -> dict:
    return {
        "id": level.id,
        "name": level.name,
        "admin": level.admin,
        "licenseType": LICENSE_TYPES[level.license_type],
        "system": level.system,
    }


def named_json(row: Department | Role) -> dict:
    return {"id": row.id, "name": row.name, "description": row.description}
