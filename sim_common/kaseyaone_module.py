"""What every simulated module keeps and checks of its KaseyaOne integration: the integration
record (the module instance and OpenID Connect client KaseyaOne issued when the module's
administrator added it, the SCIM token KaseyaOne calls the module with, the settings document's
version, the token of the module's bypass URL), adding it (registered with KaseyaOne first, then
recorded; a registration that loses a race to a second add at the same moment is taken back),
and the check of KaseyaOne's own calls to the module (its SCIM token as a bearer token, RFC 6750
§2.1): the module's SCIM service provider KaseyaOne provisions through, and the endpoint
KaseyaOne pushes Module Management's settings to. Each module's
integration table is made from `KaseyaOneIntegrationMixin`, with the module's own settings
beside these columns."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, current_app, g, request
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.orm import Session as DbSession

from .clock import tenant_now
from .control import json_body
from .db import insert_new
from .errors import Conflict, Unauthorized
from .idempotency import apply_once
from .kaseyaone_rp import (
    KaseyaOneRefused,
    KaseyaOneUnavailable,
    register_module_instance,
    remove_module_instance,
)
from .lazy import LazyModule
from .passwords import MAX_PASSWORD_LENGTH
from .scim_routes import init_scim_blueprint, init_user_routes
from .tenant_routes import public_url_for
from .validation import MAX_EMAIL_LENGTH, text
from .web import rollback_request

# scim2-models costs about 0.3 s to import: loaded on the first SCIM request (see
# sim_common.scim_routes).
_scim = LazyModule("sim_common.scim")


class KaseyaOneIntegrationMixin:
    __tablename__ = "kaseyaone_integrations"

    @declared_attr
    def tenant_id(cls) -> Mapped[str]:
        return mapped_column(
            String(64), ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
        )

    instance_id: Mapped[str] = mapped_column(String(64))
    hub_tenant: Mapped[str] = mapped_column(String(64))
    issuer: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str] = mapped_column(String(128))
    client_secret: Mapped[str] = mapped_column(Text)
    bypass_token: Mapped[str] = mapped_column(String(64), unique=True)
    # The bearer token KaseyaOne uses on this tenant's SCIM service provider (lifecycle pushes)
    # and when it pushes the settings document.
    scim_token: Mapped[str] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)  # of the settings document
    added_at: Mapped[datetime] = mapped_column(DateTime)


def record_integration(
    session: DbSession,
    model,
    tenant,
    registration: dict,
    scim_token: str,
    already_added: type[Conflict],
    **settings,
):
    """Record what KaseyaOne issued when the module registered itself as a module instance,
    with the module's first `settings`. Another request that added it at the same moment is
    `already_added` (no failed write, so the request can go on and take its registration
    back)."""
    values = {
        "tenant_id": tenant.id,
        "instance_id": registration["id"],
        "hub_tenant": registration["tenant"],
        "issuer": registration["issuer"],
        "client_id": registration["client_id"],
        "client_secret": registration["client_secret"],
        "bypass_token": secrets.token_urlsafe(24),
        "scim_token": scim_token,
        "added_at": tenant_now(tenant),
        **settings,
    }
    if not insert_new(session, model, [values]):
        raise already_added()
    session.expire(tenant, ["integration"])
    return tenant.integration


def add_integration(
    module: str,
    master_email,
    master_password,
    *,
    name: str,
    login_bp: str,
    push_bp: str,
    record: Callable[[dict, str], object],
    already_added: type[Conflict],
):
    """Add the KaseyaOne integration to `g.tenant` with a KaseyaOne master user's credentials:
    a module instance of the kind `module`, named `name`, is registered with KaseyaOne (with
    the URLs of the module's login blueprint `login_bp`, sim_common.kaseyaone_login, and of its
    blueprint for KaseyaOne's settings pushes `push_bp`), then `record(registration,
    scim_token)` keeps it. If another request added the integration at the same moment
    (`already_added`), KaseyaOne forgets this registration, so that it keeps no module instance
    nobody uses."""
    if g.tenant.integration is not None:
        raise already_added()
    master_email = text(master_email, "master_email", MAX_EMAIL_LENGTH)
    master_password = text(master_password, "master_password", MAX_PASSWORD_LENGTH, strip=False)
    scim_token = secrets.token_urlsafe(32)
    issued = register_module_instance(
        module,
        master_email,
        master_password,
        name=name,
        redirect_uri=public_url_for(f"{login_bp}.kaseyaone_callback"),
        post_logout_redirect_uri=public_url_for(f"{login_bp}.login_page"),
        initiate_login_uri=public_url_for(f"{login_bp}.kaseyaone_initiate"),
        scim_base_url=scim_base_url(login_bp),
        settings_url=public_url_for(f"{push_bp}.pushed_settings"),
        scim_token=scim_token,
    )
    try:
        return record(issued, scim_token)
    except already_added:
        # After the failed write is undone: no lock is held while KaseyaOne answers.
        rollback_request()
        try:
            remove_module_instance(issued["client_id"], issued["client_secret"])
        except (KaseyaOneRefused, KaseyaOneUnavailable):
            current_app.logger.warning(
                "KaseyaOne keeps an unused module instance %s", issued.get("id")
            )
        raise


def scim_base_url(login_bp: str) -> str:
    """The tenant's SCIM base URL, which the module gives KaseyaOne: under its home page."""
    return public_url_for(f"{login_bp}.home") + "scim/v2"


def init_scim_service_provider(
    bp: Blueprint,
    root: str,
    *,
    domain: LazyModule,
    description: LazyModule,
    idempotent_model,
    module_name: str,
    realm: str,
    login_bp: str,
) -> Callable[[], str]:
    """The module's SCIM service provider on `bp`, at `root` under each tenant's home page
    (RFC 7644 §3.2), whose only client is KaseyaOne: every request, discovery's included, needs
    the integration's SCIM token (sim_common.scim.authenticate_kaseyaone; a 401 names `realm`,
    RFC 6750 §3); a push sent again with its Idempotency-Key is applied once; what every service
    provider has (`description.DESCRIPTION`, sim_common.scim_routes) and the Users endpoint
    (`domain`'s operations). DELETE of a user is the module's own to answer. Answers the SCIM
    base URL the module gives KaseyaOne."""

    @bp.before_request
    def authenticate():
        authorization = request.headers.get("Authorization")
        _scim.authenticate_kaseyaone(g.tenant.integration, authorization, module_name)

    def base_url() -> str:
        return scim_base_url(login_bp)

    apply_once(bp, idempotent_model, lambda: g.tenant)
    init_scim_blueprint(
        bp,
        root,
        base_url=base_url,
        description=lambda: description.DESCRIPTION,
        www_authenticate=f'Bearer realm="{realm}"',
        me_detail="/Me is not supported: this service provider's only client is KaseyaOne.",
    )
    init_user_routes(bp, root, domain, base_url)
    return base_url


def bypass_url(login_bp: str) -> str:
    """The tenant's bypass URL (its `bypass_login` endpoint, with the integration's token)."""
    return public_url_for(f"{login_bp}.bypass_login", token=g.tenant.integration.bypass_token)


def is_kaseyaone(integration, authorization: str | None) -> bool:
    """Whether a request's Authorization header is KaseyaOne's: the integration's SCIM token as
    a bearer token."""
    scheme, _, token = (authorization or "").partition(" ")
    return (
        integration is not None
        and scheme.lower() == "bearer"
        and bool(token.strip())
        and secrets.compare_digest(token.strip().encode(), integration.scim_token.encode())
    )


def bypass_token_is(integration, token: str) -> bool:
    """Whether `token` is the integration's bypass URL token (compared in constant time)."""
    return integration is not None and secrets.compare_digest(
        integration.bypass_token.encode(), token.encode()
    )


def kaseyaone_json(integration) -> dict:
    """The KaseyaOne side of an integration, as the module's configuration shows it."""
    return {
        "issuer": integration.issuer,
        "module_instance": integration.instance_id,
        "tenant": integration.hub_tenant,
        "client_id": integration.client_id,
    }


def init_pushed_settings(
    bp: Blueprint,
    idempotent_model,
    *,
    module_name: str,
    integration_of: Callable[[], object],
    apply: Callable[[object, object, object], bool],
    settings_of: Callable[[object], dict],
) -> None:
    """`PUT api/kaseyaone/settings` on a module's blueprint for KaseyaOne's own calls: the
    settings document a master user changed in Module Management (`{"version", "settings"}`),
    applied by `apply(integration, version, settings)` if not older than the module's. Only
    KaseyaOne's bearer token is taken, and a push sent again with its Idempotency-Key is applied
    once. Answers whether it was applied, and the module's version and settings now."""

    @bp.before_request
    def authenticate_kaseyaone():
        if not is_kaseyaone(integration_of(), request.headers.get("Authorization")):
            raise Unauthorized(f"Send KaseyaOne's bearer token for this {module_name}.")

    apply_once(bp, idempotent_model, lambda: g.tenant)

    @bp.put("/api/kaseyaone/settings")
    def pushed_settings():
        integration = integration_of()
        body = json_body()
        applied = apply(integration, body.get("version"), body.get("settings"))
        return {
            "applied": applied,
            "version": integration.version,
            "settings": settings_of(integration),
        }
