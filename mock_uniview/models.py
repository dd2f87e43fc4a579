"""UniView Portal's state: tenants, local users with roles, sessions (with the tokens of those
opened through KaseyaOne), and the KaseyaOne integration with its centralized-user-management
settings and login exceptions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from sim_common.db import partial_unique_index
from sim_common.kaseyaone_launcher import KaseyaOneTokensMixin
from sim_common.kaseyaone_module import KaseyaOneIntegrationMixin
from sim_common.models import TenantMixin, tenant_fk
from sim_common.sessions import ModuleSessionMixin
from sim_common.tables import simulator_tables
from sim_common.telemetry import TelemetryStateMixin

from .errors import GroupNameTaken, OrganizationNameTaken, UsernameTaken


class Base(DeclarativeBase):
    pass


class Tenant(TenantMixin, Base):
    # Read with the tenant (joined): nearly every request of a tenant's pages and its SCIM
    # service provider asks for it.
    integration: Mapped[Integration | None] = relationship(
        back_populates="tenant",
        uselist=False,
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="joined",
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


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "username", info={"conflict": UsernameTaken}),
        UniqueConstraint("tenant_id", "k1_subject"),
        # SCIM's order (mock_uniview.scim.search_users): a page is read from the index, not
        # sorted from the whole tenant each time.
        Index("ix_users_tenant_created", "tenant_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    username: Mapped[str] = mapped_column(String(320))  # an email address
    name: Mapped[str] = mapped_column(String(200))
    # Users created through KaseyaOne may have no UniView password at all.
    password_hash: Mapped[str | None] = mapped_column(Text, nullable=True)
    role: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | disabled
    # The KaseyaOne subject this user is mapped to, once linked.
    k1_subject: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # When the account last changed, on the tenant's clock (SCIM meta.lastModified); None until
    # it first changes.
    modified_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    @property
    def is_active(self) -> bool:
        return self.status == "active"


class Session(ModuleSessionMixin, Base):
    """A signed-in user (sim_common.sessions); `method`: uniview | bypass | kaseyaone."""

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship()


class KaseyaOneTokens(KaseyaOneTokensMixin, Base):
    pass


class Integration(KaseyaOneIntegrationMixin, Base):
    """The KaseyaOne integration of one tenant: the module instance and OIDC client KaseyaOne
    issued when it was added (sim_common.kaseyaone_module), and the centralized-user-management
    settings."""

    login_with_kaseyaone: Mapped[bool] = mapped_column(Boolean, default=True)
    require_login: Mapped[bool] = mapped_column(Boolean, default=False)
    automatic_user_creation: Mapped[bool] = mapped_column(Boolean, default=False)
    automatic_user_deprovisioning: Mapped[bool] = mapped_column(Boolean, default=False)
    access_groups: Mapped[bool] = mapped_column(Boolean, default=False)
    default_role: Mapped[str] = mapped_column(String(32), default="monitor")
    # Access Groups: when the next import of KaseyaOne's groups falls due (None: no sync), and
    # how the last one went.
    groups_next_sync_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    groups_last_sync_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    groups_last_sync_result: Mapped[str | None] = mapped_column(Text, nullable=True)
    groups_imported_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    tenant: Mapped[Tenant] = relationship(back_populates="integration")


class LoginException(Base):
    """A user allowed to keep signing in with UniView credentials under Require Login."""

    __tablename__ = "login_exceptions"

    tenant_id: Mapped[str] = mapped_column(tenant_fk(), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class Group(Base):
    """A group (formerly a scope): which organizations its members see. Added by hand in UniView
    (`source` "uniview") or imported from KaseyaOne (`source` "kaseyaone", keyed by the
    KaseyaOne group's id, so a rename there is a rename here)."""

    __tablename__ = "groups"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kaseyaone_id"),
        # Names added by hand are unique in a tenant; an imported group may share one (KaseyaOne
        # keeps its own names unique).
        partial_unique_index(
            "uq_groups_manual_name",
            "tenant_id",
            "name",
            where="source = 'uniview'",
            info={"conflict": GroupNameTaken},
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16), default="uniview")  # uniview | kaseyaone
    kaseyaone_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    @property
    def imported(self) -> bool:
        return self.source == "kaseyaone"


class UserGroup(Base):
    __tablename__ = "user_groups"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[str] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Organization(Base):
    """A customer organization, with the data a user sees once one of their groups is mapped to
    it: its appliances and their backups."""

    __tablename__ = "organizations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name", info={"conflict": OrganizationNameTaken}),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    name: Mapped[str] = mapped_column(String(200))
    appliances: Mapped[list] = mapped_column(JSON, default=list)
    backups: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class OrganizationGroup(Base):
    __tablename__ = "organization_groups"

    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[str] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True, index=True
    )


# What Cooper's insights read (mock_uniview.facts): appliances, their protected assets and jobs,
# conditional alarms, and the PSA integration. Names follow UniView's public API where it has
# the resource (`/v1/appliances`: asset_tag, name, helix_status; `/v1/assets`: key, asset_tag).


class Appliance(Base):
    """A Unitrends appliance of the tenant. One the tenant's Unitrends account reports that has
    no UniView record yet is `added_to_uniview` false until a superuser adds it."""

    __tablename__ = "appliances"
    __table_args__ = (UniqueConstraint("tenant_id", "asset_tag"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    asset_tag: Mapped[str] = mapped_column(String(64))  # the appliance's id in the public API
    name: Mapped[str] = mapped_column(String(200))
    helix_status: Mapped[str] = mapped_column(String(16), default="None")
    added_to_uniview: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ProtectedAsset(Base):
    """A machine or application an appliance protects (`/v1/assets`)."""

    __tablename__ = "protected_assets"

    key: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    appliance_id: Mapped[str] = mapped_column(
        ForeignKey("appliances.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(64))


class ApplianceJob(Base):
    """A Data Copy Access job (Recovery Assurance, `dca`) or a backup copy job (`backup_copy`,
    to a target) on an appliance; `schedule` None: run on demand only, not scheduled."""

    __tablename__ = "appliance_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    appliance_id: Mapped[str] = mapped_column(
        ForeignKey("appliances.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    schedule: Mapped[str | None] = mapped_column(String(200), nullable=True)
    target: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ConditionalAlarm(Base):
    """A threshold: how long machines may go without a good backup (`backup`) or off-site
    replication (`replication`) before an alert."""

    __tablename__ = "conditional_alarms"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    type: Mapped[str] = mapped_column(String(16))
    threshold_hours: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PsaIntegration(Base):
    """The tenant's PSA (ConnectWise Manage, Autotask, BMS or Vorex): when it was added, on the
    tenant's clock, and the status that closes a ticket (None: tickets are not closed by it)."""

    __tablename__ = "psa_integrations"

    tenant_id: Mapped[str] = mapped_column(tenant_fk(), primary_key=True)
    psa: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(DateTime)
    close_ticket_status: Mapped[str | None] = mapped_column(String(64), nullable=True)


class PsaCompanyMapping(Base):
    """An organization mapped to a PSA company or account; removed with the PSA integration."""

    __tablename__ = "psa_company_mappings"

    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("psa_integrations.tenant_id", ondelete="CASCADE"), index=True
    )
    company: Mapped[str] = mapped_column(String(200))


class TelemetryState(TelemetryStateMixin, Base):
    """The tenant's reports to KaseyaOne (mock_uniview.telemetry)."""
