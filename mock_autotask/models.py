"""Autotask's state: tenants, resources (Autotask's users) with their security levels,
departments, roles and approvers, the API user the REST API authenticates, sign-in sessions
(the login page's, LiveMobile's and KaseyaOne's, with the tokens of those opened through
KaseyaOne), and the KaseyaOne integration with its settings and user exceptions. Resources have
no delete: they are made inactive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from sim_common.kaseyaone_launcher import KaseyaOneTokensMixin
from sim_common.kaseyaone_module import KaseyaOneIntegrationMixin
from sim_common.models import TenantMixin, tenant_fk
from sim_common.sessions import ModuleSessionMixin
from sim_common.tables import simulator_tables
from sim_common.telemetry import TelemetryStateMixin

from .errors import NameTaken


class Base(DeclarativeBase):
    pass


class Tenant(TenantMixin, Base):
    integration: Mapped[Integration | None] = relationship(
        back_populates="tenant", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )


# The tables every simulator keeps (sim_common.tables), by the names the code imports them by.
TABLES = simulator_tables(Base, Tenant)
JournalEntry, Secret, Fault, Outbox = (
    TABLES.JournalEntry,
    TABLES.Secret,
    TABLES.Fault,
    TABLES.Outbox,
)
Lease, IdempotentRequest = TABLES.Lease, TABLES.IdempotentRequest
LoginThrottle, LoginFailure = TABLES.LoginThrottle, TABLES.LoginFailure


class TelemetryState(TelemetryStateMixin, Base):
    """The tenant's reports to KaseyaOne (mock_autotask.telemetry)."""


class SecurityLevel(Base):
    """What a resource may see and do. `admin`: the level has Admin permission, which is what
    configuring Admin > Resources and, later, Kaseya Integrations needs (AT-SEC-1). Each level
    carries a license type, as Autotask's system security levels do."""

    __tablename__ = "security_levels"
    # Names are unique ignoring case (checked first, to name the one taken); this catches the
    # same name added twice at the same moment.
    __table_args__ = (UniqueConstraint("tenant_id", "name", info={"conflict": NameTaken}),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    name: Mapped[str] = mapped_column(String(100))
    admin: Mapped[bool] = mapped_column(Boolean, default=False)
    license_type: Mapped[int] = mapped_column(Integer)
    system: Mapped[bool] = mapped_column(Boolean, default=False)


class _Described:
    """A department or a role: a name and a description."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        # Names are unique ignoring case (checked first, to name the one taken); this catches
        # the same name added twice at the same moment.
        return (UniqueConstraint("tenant_id", "name", info={"conflict": NameTaken}),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)

    @declared_attr
    def tenant_id(cls) -> Mapped[str]:
        return mapped_column(tenant_fk(), index=True)

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(1000), default="")


class Department(_Described, Base):
    __tablename__ = "departments"


class Role(_Described, Base):
    __tablename__ = "roles"


class Resource(Base):
    """An Autotask user. The id is an integer, as Autotask's are; ids are unique across the
    simulator (a tenant sees only its own)."""

    __tablename__ = "resources"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_name", info={"conflict": NameTaken}),
        UniqueConstraint("tenant_id", "k1_subject"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    user_name: Mapped[str] = mapped_column(String(254))  # kept lower-case: sign-in ignores case
    email: Mapped[str] = mapped_column(String(254), index=True)
    first_name: Mapped[str] = mapped_column(String(50))
    last_name: Mapped[str] = mapped_column(String(50))
    title: Mapped[str | None] = mapped_column(String(50), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Resources provisioned through KaseyaOne may have no Autotask password at all.
    password_hash: Mapped[str | None] = mapped_column(Text, nullable=True)
    security_level_id: Mapped[int] = mapped_column(ForeignKey("security_levels.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id"), nullable=True)
    # Who may approve others' timesheets and expense reports (Autotask's system roles "Time
    # sheet approval" and "Expense approval"), and who approves this resource's.
    approves_timesheets: Mapped[bool] = mapped_column(Boolean, default=False)
    approves_expenses: Mapped[bool] = mapped_column(Boolean, default=False)
    timesheet_approver_id: Mapped[int | None] = mapped_column(
        ForeignKey("resources.id"), nullable=True
    )
    expense_approver_id: Mapped[int | None] = mapped_column(
        ForeignKey("resources.id"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The KaseyaOne user this resource is linked to (its subject), once KaseyaOne provisioned or
    # linked it, or the user signed in through KaseyaOne.
    k1_subject: Mapped[str | None] = mapped_column(String(64), nullable=True)

    security_level: Mapped[SecurityLevel] = relationship()
    department: Mapped[Department | None] = relationship()
    role: Mapped[Role | None] = relationship()
    # post_update: the top approver approves its own (a row that refers to itself).
    timesheet_approver: Mapped[Resource | None] = relationship(
        remote_side=[id], foreign_keys=[timesheet_approver_id], post_update=True
    )
    expense_approver: Mapped[Resource | None] = relationship(
        remote_side=[id], foreign_keys=[expense_approver_id], post_update=True
    )


class ApiUser(Base):
    """The tenant's API user: what the REST API's `UserName`, `Secret` and `ApiIntegrationCode`
    headers name. Its user name is unique across the simulator: the tenant is found from it."""

    __tablename__ = "api_users"
    __table_args__ = (UniqueConstraint("user_name", info={"conflict": NameTaken}),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    user_name: Mapped[str] = mapped_column(String(254))
    secret_hash: Mapped[str] = mapped_column(Text)
    integration_code: Mapped[str] = mapped_column(String(100))


class Session(ModuleSessionMixin, Base):
    """A signed-in resource (sim_common.sessions): through the login page (a cookie) or
    LiveMobile (a bearer token); `method`: autotask | livemobile | bypass | kaseyaone."""

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )

    resource: Mapped[Resource] = relationship()


class KaseyaOneTokens(KaseyaOneTokensMixin, Base):
    pass


class Integration(KaseyaOneIntegrationMixin, Base):
    """The KaseyaOne integration of one Autotask instance (Admin > Extensions & Integrations >
    Kaseya Integrations > KaseyaOne): what KaseyaOne issued when it was added
    (sim_common.kaseyaone_module), the settings as Autotask's contract names them
    (module_contracts.autotask), and the options Autotask last sent KaseyaOne for the values it
    owns (security levels, approvers, departments, roles)."""

    settings: Mapped[dict] = mapped_column(JSON)
    options: Mapped[dict] = mapped_column(JSON, default=dict)

    tenant: Mapped[Tenant] = relationship(back_populates="integration")


class UserException(Base):
    """A resource that need not sign in through KaseyaOne under Require Login with KaseyaOne,
    and may use the Bypass URL (User Exceptions, AT-REQ-2)."""

    __tablename__ = "user_exceptions"

    tenant_id: Mapped[str] = mapped_column(tenant_fk(), primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
