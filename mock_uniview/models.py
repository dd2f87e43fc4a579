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
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from sim_common.clock import tenant_now
from sim_common.faults import FaultMixin
from sim_common.idempotency import IdempotentRequestMixin
from sim_common.leases import LeaseMixin
from sim_common.models import JournalEntryMixin, SecretMixin, TenantMixin
from sim_common.outbox import OutboxMixin
from sim_common.throttle import LoginFailureMixin, LoginThrottleMixin

from .errors import GroupNameTaken, OrganizationNameTaken, UsernameTaken


def tenant_fk() -> ForeignKey:
    return ForeignKey("tenants.id", ondelete="CASCADE")


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


class JournalEntry(JournalEntryMixin, Base):
    pass


class Secret(SecretMixin, Base):
    pass


class Fault(FaultMixin, Base):
    pass


class Outbox(OutboxMixin, Base):
    pass


class Lease(LeaseMixin, Base):
    pass


class IdempotentRequest(IdempotentRequestMixin, Base):
    pass


class LoginThrottle(LoginThrottleMixin, Base):
    pass


class LoginFailure(LoginFailureMixin, Base):
    pass


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


class Session(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(16))  # uniview | bypass | kaseyaone
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)

    user: Mapped[User] = relationship()
    tenant: Mapped[Tenant] = relationship()

    def is_expired(self) -> bool:
        return tenant_now(self.tenant) >= self.expires_at


class KaseyaOneTokens(Base):
    """What KaseyaOne issued for a session opened through it: the ID token (the hint of an
    RP-initiated logout) and the access and refresh tokens the app launcher is read with."""

    __tablename__ = "kaseyaone_tokens"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    id_token: Mapped[str] = mapped_column(Text)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime)  # the tenant's clock


class Integration(Base):
    """The KaseyaOne integration of one tenant: the module instance and OIDC client KaseyaOne
    issued when it was added, and the centralized-user-management settings."""

    __tablename__ = "kaseyaone_integrations"

    tenant_id: Mapped[str] = mapped_column(tenant_fk(), primary_key=True)
    instance_id: Mapped[str] = mapped_column(String(64))
    hub_tenant: Mapped[str] = mapped_column(String(64))
    issuer: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str] = mapped_column(String(128))
    client_secret: Mapped[str] = mapped_column(Text)
    login_with_kaseyaone: Mapped[bool] = mapped_column(Boolean, default=True)
    require_login: Mapped[bool] = mapped_column(Boolean, default=False)
    automatic_user_creation: Mapped[bool] = mapped_column(Boolean, default=False)
    automatic_user_deprovisioning: Mapped[bool] = mapped_column(Boolean, default=False)
    access_groups: Mapped[bool] = mapped_column(Boolean, default=False)
    default_role: Mapped[str] = mapped_column(String(32), default="monitor")
    bypass_token: Mapped[str] = mapped_column(String(64), unique=True)
    # The bearer token KaseyaOne uses on this tenant's SCIM service provider (lifecycle pushes).
    scim_token: Mapped[str] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    added_at: Mapped[datetime] = mapped_column(DateTime)
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
        Index(
            "uq_groups_manual_name",
            "tenant_id",
            "name",
            unique=True,
            sqlite_where=text("source = 'uniview'"),
            postgresql_where=text("source = 'uniview'"),
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
