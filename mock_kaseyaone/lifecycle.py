"""Lifecycle pushes, KaseyaOne to module, over SCIM 2.0 (RFC 7644): when a KaseyaOne user is
deactivated, re-activated or deleted, or loses access to a module, and that module instance has
Automatic User Deprovisioning on, the change is pushed to the module's SCIM service provider —
`active: false` (or true), or DELETE; where the module refuses to delete (for UniView, its last
active superuser), the user is disabled instead. Pushes go through the outbox (sim_common.outbox):
written with the change, delivered after the commit, retried on the tenant's clock."""

from __future__ import annotations

import requests
from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from sim_common.journal import journalled_session
from sim_common.outbox import Deliveries, Outcome, Retry, enqueue, json_delivery

from .domain import has_module_access
from .models import JournalEntry, ModuleInstance, ModuleUser, Outbox, Tenant
from .models import User as K1User

SCIM_JSON = "application/scim+json"
# scim2-models is imported where it is used: it costs about 0.3 s at start-up, which every
# served start, xdist worker and embedded run would otherwise pay before its first push.


def deprovisioning_on(instance: ModuleInstance) -> bool:
    return bool(instance.scim_base_url) and bool(
        (instance.settings or {}).get("automatic_user_deprovisioning")
    )


def _instances_with_account(session: Session, user: K1User, only: ModuleInstance | None):
    query = (
        select(ModuleInstance)
        .join(ModuleUser, ModuleUser.instance_id == ModuleInstance.id)
        .where(ModuleUser.user_id == user.id)
    )
    instances = session.scalars(query).all()
    return [i for i in instances if (only is None or i.id == only.id) and deprovisioning_on(i)]


def _still_has_access(session: Session, user: K1User, instances):
    return [i for i in instances if has_module_access(session, i.id, user)]


def push_lifecycle_change(
    session: Session, user: K1User, change: str, only: ModuleInstance | None = None
) -> int:
    """Queue the push of `change` (deactivated | activated | deleted | access_withdrawn) to each
    module instance where the user has an account and deprovisioning is on. Returns how many."""
    kind = {
        "deactivated": "scim.deactivate",
        "access_withdrawn": "scim.deactivate",
        "activated": "scim.activate",
        "deleted": "scim.delete",
    }[change]
    tenant = session.get(Tenant, user.tenant_id)
    instances = _instances_with_account(session, user, only)
    if change == "activated":  # enabling is for modules the user may still use
        instances = _still_has_access(session, user, instances)
    for instance in instances:
        enqueue(
            session,
            Outbox,
            tenant,
            destination=instance.id,
            kind=kind,
            payload={
                "instance_id": instance.id,
                "external_id": user.id,
                "user_name": user.email,
                "change": change,
            },
        )
    if instances:
        tenant_id = tenant.id
        DELIVERIES.after_commit(tenant_id)
    return len(instances)


class _Module:
    """One module instance's SCIM service provider, as KaseyaOne's SCIM client."""

    def __init__(self, session: Session, payload: dict) -> None:
        self.instance = session.get(ModuleInstance, payload["instance_id"])
        self.payload = payload
        if self.instance is not None:
            self.http = journalled_session(lambda: session, JournalEntry, self.instance.tenant_id)
            self.http.headers.update(
                {"Authorization": f"Bearer {self.instance.scim_token}", "Accept": SCIM_JSON}
            )

    def call(self, method: str, path: str, body=None) -> requests.Response:
        try:
            response = self.http.request(
                method,
                self.instance.scim_base_url + path,
                data=body,
                headers={"Content-Type": SCIM_JSON} if body is not None else {},
                timeout=current_app.config["PUSH_TIMEOUT"],
            )
        except requests.RequestException as exc:
            raise Retry(f"the module did not answer: {type(exc).__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise Retry(f"the module answered {response.status_code}")
        return response

    def json(self, response: requests.Response) -> dict:
        try:
            return response.json()
        except ValueError:
            raise Retry(f"the module answered {response.status_code} without JSON") from None

    def find_user_id(self) -> str | None:
        """The module's SCIM id for this KaseyaOne user: by externalId, the KaseyaOne subject."""
        from scim2_models import Context, ListResponse, SearchRequest, User

        search = SearchRequest(filter=f'externalId eq "{self.payload["external_id"]}"')
        params = search.model_dump(scim_ctx=Context.SEARCH_REQUEST, exclude={"schemas"})
        response = self.call("GET", "/Users?" + requests.compat.urlencode(params))
        refuse_if_error(response, self.json(response) if response.status_code >= 400 else None)
        listing = ListResponse[User].model_validate(
            self.json(response), scim_ctx=Context.SEARCH_RESPONSE
        )
        return listing.resources[0].id if listing.resources else None

    def set_active(self, scim_id: str, active: bool) -> requests.Response:
        from scim2_models import Context, PatchOp, PatchOperation, User

        patch = PatchOp[User](
            operations=[
                PatchOperation[User](op=PatchOperation.Op.replace_, path="active", value=active)
            ]
        )
        body = patch.model_dump_json(scim_ctx=Context.RESOURCE_PATCH_REQUEST)
        return self.call("PATCH", f"/Users/{scim_id}", body)


def refuse_if_error(response: requests.Response, body: dict | None) -> None:
    if response.status_code < 400:
        return
    from scim2_models import Error

    detail = ""
    if body:
        try:
            detail = Error.model_validate(body).detail or ""
        except ValueError:
            detail = str(body)[:200]
    raise _Final(f"the module refused with {response.status_code}: {detail}".rstrip(": "))


class _Final(Exception):
    pass


def _deliver(kind: str):
    def handler(session: Session, payload: dict) -> Outcome:
        module = _Module(session, payload)
        if module.instance is None or not module.instance.scim_base_url:
            return Outcome(False, "the module instance is gone")
        try:
            scim_id = module.find_user_id()
            if scim_id is None:
                return Outcome(True, "the module has no account for this user: nothing to do")
            if kind == "scim.delete":
                response = module.call("DELETE", f"/Users/{scim_id}")
                if response.status_code in (204, 404):
                    return Outcome(True, "deleted")
                if response.status_code == 409:  # deleting is not an option there
                    refusal = module.json(response).get("detail", "")
                    disabled = module.set_active(scim_id, False)
                    refuse_if_error(disabled, None)
                    return Outcome(True, f"disabled instead of deleted: {refusal}")
                refuse_if_error(response, module.json(response))
                return Outcome(True, "deleted")
            response = module.set_active(scim_id, kind == "scim.activate")
            refuse_if_error(
                response, module.json(response) if response.status_code >= 400 else None
            )
            return Outcome(True, "enabled" if kind == "scim.activate" else "disabled")
        except _Final as exc:
            return Outcome(False, str(exc))

    return handler


def _deliver_settings(session: Session, payload: dict) -> Outcome:
    """Module Management's change, to the module (UV-SYNC-2): PUT the settings document."""
    instance = session.get(ModuleInstance, payload["instance_id"])
    if instance is None or not instance.settings_url:
        return Outcome(False, "the module instance is gone, or takes no settings")
    status, body = json_delivery(
        journalled_session(lambda: session, JournalEntry, instance.tenant_id),
        "PUT",
        instance.settings_url,
        other_side="the module",
        json={"version": payload["version"], "settings": payload["settings"]},
        headers={"Authorization": f"Bearer {instance.scim_token}"},
        timeout=current_app.config["PUSH_TIMEOUT"],
    )
    if status >= 400 or not isinstance(body, dict):
        return Outcome(False, f"the module refused with {status}: {body}")
    return Outcome(True, "applied" if body.get("applied") else "the module holds a newer version")


def push_module_settings(session: Session, instance: ModuleInstance) -> None:
    tenant = session.get(Tenant, instance.tenant_id)
    enqueue(
        session,
        Outbox,
        tenant,
        destination=instance.id,
        kind="settings.push",
        payload={
            "instance_id": instance.id,
            "version": instance.settings_version,
            "settings": instance.settings,
        },
    )
    DELIVERIES.after_commit(tenant.id)


def settings_syncing(session: Session, instance: ModuleInstance) -> bool:
    """The orange clock: a version made in Module Management has not reached the module."""
    return (
        session.scalar(
            select(
                exists().where(
                    Outbox.destination == instance.id,
                    Outbox.kind == "settings.push",
                    Outbox.state == "pending",
                )
            )
        )
        or False
    )


HANDLERS = {kind: _deliver(kind) for kind in ("scim.deactivate", "scim.activate", "scim.delete")}
HANDLERS["settings.push"] = _deliver_settings
DELIVERIES = Deliveries(Outbox, HANDLERS)
