"""KaseyaOne's state: tenants (companies), users and master users, groups, modules and their
instances, module access, KaseyaOne's own sessions, and the OpenID Connect provider's clients,
codes, tokens and signing keys."""

from __future__ import annotations

from datetime import datetime

from authlib.oauth2.rfc6749 import ClientMixin
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from sim_common.clock import tenant_now
from sim_common.db import partial_unique_index
from sim_common.models import TenantMixin, tenant_fk
from sim_common.tables import simulator_tables

from .errors import EmailTaken, GroupNameTaken


class Base(DeclarativeBase):
    pass


class Tenant(TenantMixin, Base):
    pass


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
        # A KaseyaOne username is an email address, unique across the whole hub.
        UniqueConstraint("email", info={"conflict": EmailTaken}),
        # SCIM lists a tenant's users in this order, a page at a time (RFC 7644 §3.4.2.4).
        Index("ix_users_tenant_created", "tenant_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | deactivated
    is_master: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # When the user's SCIM view last changed (status, groups); None: never since created.
    modified_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    tenant: Mapped[Tenant] = relationship()
    groups: Mapped[list[Group]] = relationship(
        secondary="group_members", back_populates="members", order_by="Group.name"
    )

    @property
    def is_active(self) -> bool:
        return self.status == "active"


class Group(Base):
    __tablename__ = "groups"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name", info={"conflict": GroupNameTaken}),
        # SCIM lists a tenant's groups in this order, a page at a time (RFC 7644 §3.4.2.4).
        Index("ix_groups_tenant_created", "tenant_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # When the group was last renamed or its members changed; None: never since created.
    modified_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    tenant: Mapped[Tenant] = relationship()
    members: Mapped[list[User]] = relationship(secondary="group_members", back_populates="groups")


class GroupMember(Base):
    __tablename__ = "group_members"
    __table_args__ = (Index("ix_group_members_user", "user_id"),)  # a user's groups

    group_id: Mapped[str] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class ModuleInstance(Base):
    """One module (UniView, Autotask, ...) integrated with one tenant; `module` names its kind,
    whose contract says what the hub and the module agree on (mock_kaseyaone.modules)."""

    __tablename__ = "module_instances"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    module: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    # Where and how KaseyaOne pushes lifecycle changes to the module (RFC 7644), if it can.
    scim_base_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    scim_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Where KaseyaOne sends settings changed in Module Management (with the same token).
    settings_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The module's integration settings as it last pushed them (the settings document).
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    settings_version: Mapped[int] = mapped_column(default=0)
    # What the module offers for the settings whose values it owns (its contract's choices
    # without fixed values: Autotask's security levels, say), as it last sent them.
    setting_options: Mapped[dict] = mapped_column(JSON, default=dict)

    tenant: Mapped[Tenant] = relationship()
    client: Mapped[OAuthClient] = relationship(
        back_populates="instance", uselist=False, cascade="all, delete-orphan"
    )


class ModuleAccess(Base):
    __tablename__ = "module_access"

    instance_id: Mapped[str] = mapped_column(
        ForeignKey("module_instances.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class ModuleUser(Base):
    """A user who has an account in a module instance: recorded the first time KaseyaOne signs
    them in to it (the module links or creates the account then). What the module instance
    counts for the invoice (UV-JIT-5, an interpretation)."""

    __tablename__ = "module_users"

    instance_id: Mapped[str] = mapped_column(
        ForeignKey("module_instances.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class OAuthClient(ClientMixin, Base):
    """The confidential OpenID Connect client of one module instance."""

    __tablename__ = "oauth_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_secret: Mapped[str] = mapped_column(String(128))
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    instance_id: Mapped[str] = mapped_column(
        ForeignKey("module_instances.id", ondelete="CASCADE"), unique=True
    )
    redirect_uris: Mapped[list] = mapped_column(JSON)
    # OpenID Connect RP-Initiated Logout 1.0 §3.1 and Core §4 (third-party-initiated login):
    # where KaseyaOne may send a browser after logout, and where a tile starts a sign-in.
    post_logout_redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    initiate_login_uri: Mapped[str | None] = mapped_column(Text, nullable=True)
    token_endpoint_auth_method: Mapped[str] = mapped_column(
        String(32), default="client_secret_basic"
    )

    # Read with the client by every request of a sign-in (the module's name and contract, the
    # tenant's clock): one query, not three.
    instance: Mapped[ModuleInstance] = relationship(back_populates="client", lazy="joined")
    tenant: Mapped[Tenant] = relationship(lazy="joined")

    @property
    def client_metadata(self) -> dict:
        """The registered metadata authlib's RP-Initiated Logout endpoint reads."""
        return {
            "redirect_uris": self.redirect_uris,
            "post_logout_redirect_uris": self.post_logout_redirect_uris or [],
            "initiate_login_uri": self.initiate_login_uri,
        }

    # authlib's ClientMixin: the storage-facing half of RFC 6749 clients.
    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        allowed = {"openid", "profile", "email", "groups"}
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris  # exact match, OIDC Core §3.1.2.1

    def check_client_secret(self, client_secret):
        import hmac

        return hmac.compare_digest(self.client_secret.encode(), (client_secret or "").encode())

    def check_endpoint_auth_method(self, method, endpoint):
        if endpoint in ("token", "revocation"):
            return method in ("client_secret_basic", "client_secret_post")
        return True

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        # Every client is confidential: each gets refresh tokens (RFC 6749 §6).
        return grant_type in ("authorization_code", "refresh_token")


class AuthorizationCode(Base):
    __tablename__ = "authorization_codes"
    # The nonce check of every authorization request (OIDC Core §3.1.2.1): found by index, not
    # by reading every code the client was ever given.
    __table_args__ = (Index("ix_authorization_codes_client_nonce", "client_id", "nonce"),)

    code: Mapped[str] = mapped_column(String(128), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_clients.client_id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    nonce: Mapped[str | None] = mapped_column(Text, nullable=True)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8))
    auth_time: Mapped[int] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    # Read with the code at the token endpoint: its expiry is on the tenant's clock.
    tenant: Mapped[Tenant] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")

    # authlib's AuthorizationCodeMixin and the OpenID extension's accessors.
    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return ["pwd"]

    def is_expired(self) -> bool:
        return tenant_now(self.tenant) >= self.expires_at


class Token(Base):
    """An access token and the refresh token issued with it. A refresh issues a new pair and
    revokes this one; every pair descending from one authorization code shares `code`, so that
    a replayed code or refresh token revokes them all."""

    __tablename__ = "tokens"

    access_token: Mapped[str] = mapped_column(String(128), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_clients.client_id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    scope: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    refresh_token: Mapped[str | None] = mapped_column(String(128), nullable=True, unique=True)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # When the user signed in (epoch seconds, tenant clock): a refreshed ID token keeps it.
    auth_time: Mapped[int | None] = mapped_column(nullable=True)

    # Read with the token by userinfo and the launcher (RFC 6750): one query, not four.
    tenant: Mapped[Tenant] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")
    client: Mapped[OAuthClient] = relationship(lazy="joined")

    # authlib's TokenMixin.
    def check_client(self, client):
        return client.get_client_id() == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return int((self.expires_at - self.issued_at).total_seconds())

    def is_expired(self):
        return tenant_now(self.tenant) >= self.expires_at

    def is_revoked(self):
        return self.revoked

    def get_user(self):
        return self.user

    def get_client(self):
        return self.client


class HubSession(Base):
    """KaseyaOne's own session: opened when a person signs in on its login form (the portal's,
    or the one an authorization request shows), it answers later authorization requests
    without the form (OIDC Core §3.1.2.3). Kept server-side, so that deactivating the user or an
    administrator's sign-out ends it at once. Times are on the user's tenant clock."""

    __tablename__ = "hub_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    authenticated_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)

    tenant: Mapped[Tenant] = relationship()
    user: Mapped[User] = relationship()


class SigningKey(Base):
    """One of the provider's RS256 signing keys (RFC 7517), the hub's, not a tenant's: the
    newest signs; an older one stays in the JWKS until `retires_at` (real time)."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_jwk: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    retires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    def is_expired(self) -> bool:
        return tenant_now(self.tenant) >= self.expires_at


# Cooper (mock_kaseyaone.insights): what each module instance last reported, every rule's last
# evaluation, and the insights raised. All go with their module instance.


def instance_fk() -> ForeignKey:
    return ForeignKey("module_instances.id", ondelete="CASCADE")


class TelemetrySnapshot(Base):
    """The latest telemetry report of a module instance: the facts its contract's insights read,
    the module's link for each insight's action, and when the next daily evaluation is due."""

    __tablename__ = "telemetry_snapshots"

    instance_id: Mapped[str] = mapped_column(instance_fk(), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    sequence: Mapped[int] = mapped_column()
    # The module's clock when it observed the facts, and KaseyaOne's (the tenant's) when they
    # arrived: the module's now at a later evaluation is observed_at plus the time since.
    observed_at: Mapped[datetime] = mapped_column(DateTime)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    facts: Mapped[dict] = mapped_column(JSON)
    links: Mapped[dict] = mapped_column(JSON, default=dict)
    next_evaluation_at: Mapped[datetime] = mapped_column(DateTime)


class RuleEvaluation(Base):
    """How one rule of a module instance's contract came out the last time it was evaluated:
    raised or not, and why (the trigger and each exclusion, held or not, with the facts read)."""

    __tablename__ = "rule_evaluations"

    instance_id: Mapped[str] = mapped_column(instance_fk(), primary_key=True)
    rule: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk(), index=True)
    evaluated_at: Mapped[datetime] = mapped_column(DateTime)
    raised: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[dict] = mapped_column(JSON)


class Insight(Base):
    """An insight Cooper raised about a module instance: in To Do, Snoozed, or Completed once
    its condition no longer held. Raised again, it is a new insight."""

    __tablename__ = "insights"
    __table_args__ = (
        Index("ix_insights_tenant_state", "tenant_id", "state"),
        # One open insight per rule and module instance, whoever evaluates at the same moment.
        partial_unique_index(
            "ux_insights_open", "instance_id", "rule", where="state != 'completed'"
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(tenant_fk())
    instance_id: Mapped[str] = mapped_column(instance_fk(), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # todo | snoozed | completed
    raised_at: Mapped[datetime] = mapped_column(DateTime)
    snoozed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    completed_because: Mapped[str | None] = mapped_column(Text, nullable=True)
