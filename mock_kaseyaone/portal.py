"""KaseyaOne as the portal ("About KaseyaOne" in the Autotask document): the tiles of the module
instances a user has access to (K1-HUB-1, K1-HUB-3), and the same list for the app launcher a
module shows (K1-HUB-2). A tile opens the module instance's third-party-initiated login URL
(OIDC Core §4) with KaseyaOne as `iss` and the user as `login_hint`: the module starts the
sign-in, and KaseyaOne's session answers it. Generic over modules: nothing here knows one
module from another. No Flask here."""

from __future__ import annotations

from authlib.common.urls import add_params_to_uri
from sqlalchemy.orm import Session

from .domain import instances_with_access
from .models import ModuleInstance, User
from .modules import contract_for


def launch_url(instance: ModuleInstance, issuer: str, user: User) -> str | None:
    """Where a tile leads: the module's initiate_login_uri, or None if it registered none."""
    uri = instance.client.initiate_login_uri
    if not uri:
        return None
    return add_params_to_uri(uri, [("iss", issuer), ("login_hint", user.email)])


def tiles(session: Session, user: User, issuer: str, current: str | None = None) -> list[dict]:
    """One tile per module instance the user has access to; `current` marks the instance whose
    client asks (a module's launcher lists the others)."""
    return [
        {
            "instance_id": instance.id,
            "module": instance.module,
            "module_name": contract_for(instance.module).name,
            "name": instance.name,
            "launch_url": launch_url(instance, issuer, user),
            "current": instance.id == current,
        }
        for instance in instances_with_access(session, user)
    ]


def launcher_json(session: Session, user: User, issuer: str, current: str | None) -> dict:
    """What a module renders as its app launcher (the waffle, "My KaseyaOne")."""
    return {
        "user": {"sub": user.id, "email": user.email, "name": user.name},
        "home_url": issuer + "/",
        "login_url": issuer + "/login",
        "modules": tiles(session, user, issuer, current),
    }
