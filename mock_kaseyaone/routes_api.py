"""KaseyaOne's admin API, for master users (HTTP Basic with a master user's email and password):
module instances (a module adding its integration registers one), users, module access and
groups. Every answer is JSON; every error is `{"error", "message"}`."""

from __future__ import annotations

from flask import Blueprint, g, request

from sim_common.control import json_body
from sim_common.db import db
from sim_common.faults import injected_failure

from . import domain
from .errors import BadCredentials, InvalidRequest
from .lifecycle import delivery_state
from .oidc import issuer
from .sessions import sign_out_everywhere as sign_out_everywhere_of

bp = Blueprint("admin_api", __name__, url_prefix="/api/v1")
bp.fault_kind = "admin"


@bp.before_request
def authenticate_master():
    auth = request.authorization
    if auth is None or auth.type != "basic":
        raise BadCredentials("Use HTTP Basic with a KaseyaOne master user's email and password.")
    g.master = domain.authenticate_master_user(db(), auth.username, auth.password)
    g.tenant = g.master.tenant
    g.tenant_id = g.tenant.id
    return injected_failure()


@bp.post("/module-instances")
def register_module_instance():
    body = json_body()
    instance = domain.register_module_instance(
        db(),
        g.tenant,
        module=body.get("module"),
        name=body.get("name"),
        redirect_uris=body.get("redirect_uris"),
        scim=body.get("scim"),
        post_logout_redirect_uris=body.get("post_logout_redirect_uris"),
        initiate_login_uri=body.get("initiate_login_uri"),
    )
    return {
        **domain.instance_json(db(), instance),
        "client_secret": instance.client.client_secret,
        "issuer": issuer(),
        "tenant": g.tenant.id,
    }, 201


@bp.get("/module-instances")
def list_module_instances():
    return {
        "module_instances": [
            domain.instance_json(db(), i) for i in domain.list_module_instances(db(), g.tenant)
        ]
    }


@bp.get("/module-instances/<instance_id>")
def show_module_instance(instance_id):
    return domain.instance_json(db(), domain.get_module_instance(db(), g.tenant, instance_id))


@bp.put("/module-instances/<instance_id>/users/<user_id>")
def grant_module_access(instance_id, user_id):
    instance = domain.get_module_instance(db(), g.tenant, instance_id)
    pushes = domain.grant_module_access(db(), instance, domain.get_user(db(), g.tenant, user_id))
    return {**domain.instance_json(db(), instance), "pushes": pushes}


@bp.delete("/module-instances/<instance_id>/users/<user_id>")
def withdraw_module_access(instance_id, user_id):
    instance = domain.get_module_instance(db(), g.tenant, instance_id)
    user = domain.get_user(db(), g.tenant, user_id)
    pushes = domain.withdraw_module_access(db(), instance, user)
    return {**domain.instance_json(db(), instance), "pushes": pushes}


@bp.get("/users")
def list_users():
    instances = domain.list_module_instances(db(), g.tenant)
    return {
        "users": [domain.user_json(db(), u, instances) for u in domain.list_users(db(), g.tenant)]
    }


@bp.post("/users")
def create_user():
    body = json_body()
    user = domain.create_user(
        db(),
        g.tenant,
        email=body.get("email"),
        name=body.get("name"),
        password=body.get("password"),
        master=body.get("master", False),
    )
    domain.set_user_groups(db(), g.tenant, user, body.get("groups", []))
    return domain.user_json(db(), user, domain.list_module_instances(db(), g.tenant)), 201


@bp.get("/users/<user_id>")
def show_user(user_id):
    user = domain.get_user(db(), g.tenant, user_id)
    return domain.user_json(db(), user, domain.list_module_instances(db(), g.tenant))


@bp.post("/users/<user_id>/deactivate")
def deactivate_user(user_id):
    user = domain.get_user(db(), g.tenant, user_id)
    pushes = domain.deactivate_user(db(), user)
    return {**domain.user_json(db(), user), "pushes": pushes}


@bp.post("/users/<user_id>/activate")
def activate_user(user_id):
    user = domain.get_user(db(), g.tenant, user_id)
    pushes = domain.activate_user(db(), user)
    return {**domain.user_json(db(), user), "pushes": pushes}


@bp.delete("/users/<user_id>/sessions")
def sign_out_everywhere(user_id):
    """End the user's KaseyaOne sessions and revoke the tokens issued for them."""
    user = domain.get_user(db(), g.tenant, user_id)
    return {"sessions_ended": sign_out_everywhere_of(db(), user)}


@bp.delete("/users/<user_id>")
def delete_user(user_id):
    user = domain.get_user(db(), g.tenant, user_id)
    pushes = domain.delete_user(db(), user)
    return {"deleted": user_id, "pushes": pushes}


@bp.get("/groups")
def list_groups():
    return {"groups": [domain.group_json(group) for group in domain.list_groups(db(), g.tenant)]}


@bp.post("/groups")
def create_group():
    group = domain.create_group(db(), g.tenant, json_body().get("name"))
    return domain.group_json(group), 201


@bp.get("/groups/<group_id>")
def show_group(group_id):
    return domain.group_json(domain.get_group(db(), g.tenant, group_id))


@bp.patch("/groups/<group_id>")
def change_group(group_id):
    group = domain.get_group(db(), g.tenant, group_id)
    body = json_body()
    if set(body) != {"name"}:
        raise InvalidRequest('Send {"name": ...}: a group\'s name is all that can be changed.')
    domain.rename_group(db(), group, body["name"])
    return domain.group_json(group)


@bp.delete("/groups/<group_id>")
def delete_group(group_id):
    domain.delete_group(db(), domain.get_group(db(), g.tenant, group_id))
    return "", 204


@bp.put("/groups/<group_id>/members/<user_id>")
def add_group_member(group_id, user_id):
    group = domain.get_group(db(), g.tenant, group_id)
    domain.add_group_member(db(), group, domain.get_user(db(), g.tenant, user_id))
    return domain.group_json(group)


@bp.delete("/groups/<group_id>/members/<user_id>")
def remove_group_member(group_id, user_id):
    group = domain.get_group(db(), g.tenant, group_id)
    domain.remove_group_member(db(), group, domain.get_user(db(), g.tenant, user_id))
    return domain.group_json(group)


# Module Management (UV-SYNC-2/3/4): master users only, as every route here.


def _settings_json(instance) -> dict:
    return {
        "module_instance": instance.id,
        "version": instance.settings_version,
        "settings": domain.module_settings(instance),
        **delivery_state(db(), instance),
    }


@bp.get("/module-instances/<instance_id>/settings")
def module_settings(instance_id):
    return _settings_json(domain.get_module_instance(db(), g.tenant, instance_id))


@bp.patch("/module-instances/<instance_id>/settings")
def change_module_settings(instance_id):
    instance = domain.get_module_instance(db(), g.tenant, instance_id)
    body = json_body()
    domain.change_module_settings(instance, body.get("changes"), body.get("confirmed"))
    return _settings_json(instance)
