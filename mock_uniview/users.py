"""UniView Portal users, sessions and sign-in with UniView credentials (ordinary login page and
the bypass log-in link), with the Require Login with KaseyaOne rule (UV-REQ-1..4, UV-DEP-5)."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as DbSession

from module_contracts.uniview import ROLES
from sim_common import sessions
from sim_common.clock import tenant_now
from sim_common.errors import InvalidRequest
from sim_common.passwords import MAX_PASSWORD_LENGTH, check_user_password, hash_password
from sim_common.validation import text
from sim_common.web import new_id

from .errors import (
    AccountDisabled,
    BadCredentials,
    KaseyaOneLoginRequired,
    NoUniViewAccount,
    UsernameTaken,
    UserNotFound,
)
from .facts import seed_facts
from .groups import seed_groups
from .models import LoginException, Session, Tenant, User

SESSION_METHODS = ("uniview", "bypass", "kaseyaone")


def create_user(
    session: DbSession,
    tenant: Tenant,
    *,
    username,
    name,
    role,
    password=None,
    status="active",
    k1_subject=None,
) -> User:
    username = text(username, "username", User.username).lower()
    if "@" not in username:
        raise InvalidRequest("'username' must be an email address.", field="username")
    if role not in ROLES:
        raise InvalidRequest(f"'role' must be one of {', '.join(ROLES)}.", field="role")
    if status not in ("active", "disabled"):
        raise InvalidRequest("'status' must be active or disabled.", field="status")
    if password is not None:
        password = text(password, "password", MAX_PASSWORD_LENGTH, required=False, strip=False)
    if name is not None:
        name = text(name, "name", User.name, required=False)
    if find_user(session, tenant, username) is not None:
        raise UsernameTaken(f"A user '{username}' already exists.", field="username")
    user = User(
        id=new_id(),
        tenant_id=tenant.id,
        username=username,
        name=name or username,
        role=role,
        status=status,
        k1_subject=k1_subject,
        created_at=tenant_now(tenant),
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    return user


def find_user(session: DbSession, tenant: Tenant, username: str) -> User | None:
    return session.scalar(
        select(User).where(
            User.tenant_id == tenant.id, User.username == (username or "").strip().lower()
        )
    )


def get_user(session: DbSession, tenant: Tenant, username: str) -> User:
    user = find_user(session, tenant, username)
    if user is None:
        raise UserNotFound(f"There is no UniView Portal user '{username}'.")
    return user


def list_users(session: DbSession, tenant: Tenant) -> list[User]:
    return list(
        session.scalars(select(User).where(User.tenant_id == tenant.id).order_by(User.username))
    )


def user_json(user: User) -> dict:
    return {
        "username": user.username,
        "name": user.name,
        "role": user.role,
        "status": user.status,
        "kaseyaone_subject": user.k1_subject,
    }


def change_user(session: DbSession, user: User, changes: dict) -> User:
    """A superuser changes a user's role or status; disabling ends the user's sessions."""
    unknown = sorted(set(changes) - {"role", "status", "name"})
    if unknown:
        raise InvalidRequest(
            f"Only role, status and name can be changed, not {', '.join(unknown)}."
        )
    if "role" in changes and changes["role"] not in ROLES:
        raise InvalidRequest(f"'role' must be one of {', '.join(ROLES)}.", field="role")
    if "status" in changes and changes["status"] not in ("active", "disabled"):
        raise InvalidRequest("'status' must be active or disabled.", field="status")
    if "name" in changes:
        changes = {**changes, "name": text(changes["name"], "name", User.name)}
    changed = any(getattr(user, key) != value for key, value in changes.items())
    for key, value in changes.items():
        setattr(user, key, value)
    if changed:
        mark_modified(session, user)
    if user.status == "disabled":
        session.execute(delete(Session).where(Session.user_id == user.id))
    return user


def mark_modified(session: DbSession, user: User) -> None:
    """Record that an account changed, on its tenant's clock (SCIM meta.lastModified)."""
    user.modified_at = tenant_now(session.get(Tenant, user.tenant_id))


def find_mapped_user(session: DbSession, tenant: Tenant, claims: dict) -> User | None:
    """The UniView user mapped to this KaseyaOne subject. An existing user not mapped yet is
    linked by matching email address at their first KaseyaOne login."""
    user = session.scalar(
        select(User).where(User.tenant_id == tenant.id, User.k1_subject == claims["sub"])
    )
    if user is None and isinstance(claims.get("email"), str):
        candidate = find_user(session, tenant, claims["email"])
        if candidate is not None and candidate.k1_subject is None:
            candidate.k1_subject = claims["sub"]
            user = candidate
    return user


def user_for_kaseyaone_login(session: DbSession, tenant: Tenant, claims: dict) -> User:
    """The UniView user a KaseyaOne sign-in is for: the mapped one, or with Automatic User
    Creation on, a new account with the default role in force now (UV-JIT-1, UV-JIT-4)."""
    user = find_mapped_user(session, tenant, claims)
    if user is None:
        integration = tenant.integration
        if not integration.automatic_user_creation:
            raise NoUniViewAccount()
        email = claims.get("email")
        if not isinstance(email, str) or find_user(session, tenant, email) is not None:
            # An account with that address exists but belongs to another KaseyaOne user.
            raise NoUniViewAccount(
                "A UniView Portal account with your email address is linked to another "
                "KaseyaOne user. Ask your administrator."
            )
        user = create_user(
            session,
            tenant,
            username=email,
            name=claims.get("name"),
            role=integration.default_role,
            k1_subject=claims["sub"],
        )
    if not user.is_active:
        raise AccountDisabled()
    return user


def has_login_exception(session: DbSession, user: User) -> bool:
    return session.get(LoginException, (user.tenant_id, user.id)) is not None


def sign_in_with_credentials(
    session: DbSession,
    tenant: Tenant,
    username: str,
    password: str,
    *,
    via_bypass: bool = False,
) -> User:
    """UniView credentials. Under Require Login with KaseyaOne only excepted users get through
    the ordinary page; the bypass link lets anyone with valid credentials through, and nothing
    else (UV-REQ-3 interpretation)."""
    user = find_user(session, tenant, username)
    if not check_user_password(user, password, tenant=tenant, account=username):
        raise BadCredentials()
    if not user.is_active:
        raise AccountDisabled()
    integration = tenant.integration
    if (
        integration is not None
        and integration.require_login
        and not via_bypass
        and not has_login_exception(session, user)
    ):
        raise KaseyaOneLoginRequired()
    return user


def start_session(session: DbSession, user: User, method: str, lifetime_seconds: int) -> Session:
    if not user.is_active:
        raise AccountDisabled()
    tenant = session.get(Tenant, user.tenant_id)
    return sessions.open_session(
        session, Session, tenant, method, lifetime_seconds, user_id=user.id
    )


def find_session(session: DbSession, tenant: Tenant, session_id: str | None) -> Session | None:
    """The live session behind a cookie: expired sessions and disabled users' sessions count as
    none (UV-DEP-5: a disabled user loses any session at once)."""
    if not session_id:
        return None
    row = session.get(Session, session_id)
    if row is None or row.tenant_id != tenant.id or row.is_expired() or not row.user.is_active:
        return None
    return row


def count_superusers(session: DbSession, tenant: Tenant) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.tenant_id == tenant.id, User.role == "superuser", User.status == "active")
        )
        or 0
    )


def seed_tenant(session: DbSession, tenant: Tenant, seed: dict) -> dict:
    users = seed.get("users", [])
    if not isinstance(users, list):
        raise InvalidRequest("'users' must be a list.")
    created = []
    for spec in users:
        if not isinstance(spec, dict):
            raise InvalidRequest("Each seeded user must be an object.")
        user = create_user(
            session,
            tenant,
            username=spec.get("username") or spec.get("email"),
            name=spec.get("name"),
            role=spec.get("role", "monitor"),
            password=spec.get("password"),
            status=spec.get("status", "active"),
        )
        created.append(user_json(user))
    memberships = {u["username"]: s.get("groups", []) for u, s in zip(created, users, strict=True)}
    seed_groups(session, tenant, seed, memberships)
    seed_facts(session, tenant, seed)
    return {"users": created}
