"""Lifecycle pushes, KaseyaOne to module, over SCIM 2.0 (RFC 7644). What a change in KaseyaOne
means for a module — a user deactivated, re-activated or deleted, granted or losing access — is
its kind's contract's (module_contracts): disable (`active: false`), enable, delete (where the
module refuses, as UniView does for its last active superuser, disable instead), or provision
(create the account, or link the one with the same userName). Each is pushed while the setting
the contract names is on, to each module instance where the user has an account (provisioning:
where access was granted). Pushes go through the outbox (sim_common.outbox): written with the
change in its transaction (the domain operation queues them), delivered after the commit,
retried until the module's answer proves it took them."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from module_contracts.base import ACTIONS
from sim_common.journal import journalled_session
from sim_common.lazy import LazyModule
from sim_common.leases import own_transaction
from sim_common.outbox import (
    IDEMPOTENCY_HEADER,
    Deliveries,
    Outcome,
    Retry,
    document_outcome,
    enqueue,
    json_delivery,
    pending_of,
    said,
)

from . import domain
from .models import JournalEntry, ModuleInstance, ModuleUser, Outbox, Tenant
from .models import User as K1User
from .modules import contract_for

requests = LazyModule("requests")  # loaded by the first push, not at start (about 30 ms)
SCIM_JSON = "application/scim+json"
# scim2-models is imported where it is used: it costs about 0.3 s at start-up, which every
# served start, xdist worker and embedded run would otherwise pay before its first push.


def _candidates(session: Session, user: K1User, change: str, only: ModuleInstance | None):
    """The instances a change may concern: where the user has an account (the module linked or
    created it), or, for a grant, the instance granted."""
    if change == "access_granted":
        return [only]
    query = (
        select(ModuleInstance)
        .join(ModuleUser, ModuleUser.instance_id == ModuleInstance.id)
        .where(ModuleUser.user_id == user.id)
        .order_by(ModuleInstance.created_at)
    )
    if only is not None:
        query = query.where(ModuleInstance.id == only.id)
    return list(session.scalars(query))


def queue_lifecycle_change(
    session: Session, user: K1User, change: str, only: ModuleInstance | None = None
) -> int:
    """Queue the push of `change` (module_contracts.base.CHANGES) to each module instance it
    concerns whose contract gives it a meaning, whose gate setting is on, and that takes pushes
    (a SCIM service provider). Returns how many."""
    tenant = session.get(Tenant, user.tenant_id)
    queued = 0
    for instance in _candidates(session, user, change, only):
        contract = contract_for(instance.module)
        push = contract.lifecycle.get(change)
        settings = domain.module_settings(instance)
        if push is None or not settings.get(push.gate) or not instance.scim_base_url:
            continue
        if change == "activated" and not domain.has_module_access(session, instance.id, user):
            continue  # enabling is for modules the user may still use
        payload = {
            "instance_id": instance.id,
            "external_id": user.id,
            "user_name": user.email,
            "change": change,
        }
        if push.action == "provision":
            groups = tuple((g.id, g.name) for g in user.groups)
            payload["access_level"] = contract.access_level(settings, groups)
        enqueue(
            session,
            Outbox,
            tenant,
            destination=instance.id,
            kind=f"scim.{push.action}",
            payload=payload,
        )
        queued += 1
    return queued


class _Module:
    """One module instance's SCIM service provider, as KaseyaOne's SCIM client. Every call of one
    outbox row carries the row's idempotency key: the module applies a change sent again once."""

    def __init__(self, session: Session, payload: dict, key: str) -> None:
        self.instance = session.get(ModuleInstance, payload["instance_id"])
        self.payload = payload
        if self.instance is not None:
            self.http = journalled_session(lambda: session, JournalEntry, self.instance.tenant_id)
            self.http.headers.update(
                {
                    "Authorization": f"Bearer {self.instance.scim_token}",
                    "Accept": SCIM_JSON,
                    IDEMPOTENCY_HEADER: key,
                }
            )

    def call(self, method: str, path: str, body=None) -> requests.Response:
        try:
            return self.http.request(
                method,
                self.instance.scim_base_url + path,
                data=body,
                headers={"Content-Type": SCIM_JSON} if body is not None else {},
                timeout=current_app.config["PUSH_TIMEOUT"],
            )
        except requests.RequestException as exc:
            raise Retry(f"the module did not answer: {type(exc).__name__}") from exc

    def find_user_id(self, attribute: str = "externalId") -> str | None:
        """The module's SCIM id for this KaseyaOne user: by externalId (the KaseyaOne subject),
        or by another attribute holding the KaseyaOne username (the contract's `link_by`)."""
        from scim2_models import Context, ListResponse, SearchRequest, User

        value = self.payload["external_id" if attribute == "externalId" else "user_name"]
        search = SearchRequest(filter=f"{attribute} eq {json.dumps(value)}")
        params = search.model_dump(scim_ctx=Context.SEARCH_REQUEST, exclude={"schemas"})
        response = self.call("GET", "/Users?" + urlencode(params))
        listing = _scim_body(response, 200, ListResponse[User], Context.SEARCH_RESPONSE)
        return listing.resources[0].id if listing.resources else None

    def _roles(self) -> list:
        from scim2_models import Role

        level = self.payload.get("access_level")
        return [] if level is None else [Role(value=level, primary=True)]

    def provision(self, link_by: str) -> Outcome:
        """The user's account in the module (AT-PROV-1): created, or — where the module has an
        account whose `link_by` attribute is the KaseyaOne username — linked to it (AT-PROV-3);
        active, with the access level the contract gives (AT-DATA-1: the username and access
        level, nothing else)."""
        from scim2_models import Context, PatchOp, PatchOperation, User

        linked = self.find_user_id()
        if linked is None:
            linked = self.find_user_id(link_by)
            if linked is None:
                user = User(
                    user_name=self.payload["user_name"],
                    external_id=self.payload["external_id"],
                    active=True,
                    roles=self._roles() or None,
                )
                body = user.model_dump_json(scim_ctx=Context.RESOURCE_CREATION_REQUEST)
                created = _scim_body(
                    self.call("POST", "/Users", body), 201, User, Context.RESOURCE_CREATION_RESPONSE
                )
                return Outcome(True, f"created as {created.id}")
            outcome = "linked to the existing account"
        else:
            outcome = "already provisioned"
        replace = PatchOperation.Op.replace_
        operations = [
            PatchOperation[User](op=replace, path="externalId", value=self.payload["external_id"]),
            PatchOperation[User](op=replace, path="active", value=True),
        ]
        if self._roles():
            operations.append(PatchOperation[User](op=replace, path="roles", value=self._roles()))
        body = PatchOp[User](operations=operations).model_dump_json(
            scim_ctx=Context.RESOURCE_PATCH_REQUEST
        )
        response = self.call("PATCH", f"/Users/{linked}", body)
        if response.status_code != 204:
            _scim_body(response, 200, User, Context.RESOURCE_PATCH_RESPONSE)
        return Outcome(True, outcome)

    def set_active(self, scim_id: str, active: bool) -> Outcome:
        """PATCH `active` (RFC 7644 §3.5.2): delivered on 204, or on 200 with the user as asked."""
        from scim2_models import Context, PatchOp, PatchOperation, User

        patch = PatchOp[User](
            operations=[
                PatchOperation[User](op=PatchOperation.Op.replace_, path="active", value=active)
            ]
        )
        body = patch.model_dump_json(scim_ctx=Context.RESOURCE_PATCH_REQUEST)
        response = self.call("PATCH", f"/Users/{scim_id}", body)
        if response.status_code == 404:
            return GONE
        if response.status_code != 204:
            user = _scim_body(response, 200, User, Context.RESOURCE_PATCH_RESPONSE)
            if user.active is not active:
                raise Retry(
                    f"the module answered 200 but the user is {'not ' * active}active there"
                )
        return Outcome(True, "enabled" if active else "disabled")

    def delete(self, scim_id: str) -> Outcome:
        """DELETE (RFC 7644 §3.6): delivered on 204; where deleting is not an option there (409),
        the user is disabled instead (UV-DEP-2)."""
        response = self.call("DELETE", f"/Users/{scim_id}")
        if response.status_code == 204:
            return Outcome(True, "deleted")
        if response.status_code == 404:
            return GONE
        if response.status_code == 409:
            refusal = said(_json_or_none(response)).removeprefix(": ")
            disabled = self.set_active(scim_id, False)
            if disabled is GONE:
                return GONE
            return Outcome(True, f"{disabled.result} instead of deleted: {refusal}".rstrip(": "))
        raise _unproven(response)


# A 404 for the user being changed: the module has nothing left to change.
GONE = Outcome(True, "the module no longer has this user: nothing left to change")


def _json_or_none(response: requests.Response):
    try:
        return response.json()
    except ValueError:
        return None


def _unproven(response: requests.Response) -> Retry:
    return Retry(f"the module answered {response.status_code}{said(_json_or_none(response))}")


def _scim_body(response: requests.Response, status: int, model, context):
    """The answer's body as the SCIM resource the protocol promises with `status`; Retry for any
    other answer (another status, a body that is not that resource)."""
    from pydantic import ValidationError

    if response.status_code != status:
        raise _unproven(response)
    try:
        return model.model_validate(response.json(), scim_ctx=context)
    except (ValueError, ValidationError):
        raise Retry(
            f"the module answered {response.status_code} with a body that is not a SCIM "
            f"{getattr(model, '__name__', 'resource')}"
        ) from None


def _deliver(action: str):
    def handler(session: Session, payload: dict, key: str) -> Outcome:
        module = _Module(session, payload, key)
        if module.instance is None or not module.instance.scim_base_url:
            return Outcome(False, "the module instance is gone")
        if action == "provision":
            outcome = module.provision(contract_for(module.instance.module).link_by)
            # The user has an account there now: recorded in a transaction of its own, as the
            # outbox settles the row in its own (the deliverer's session holds no write lock
            # meanwhile: with SQLite, the settling would wait for it).
            with own_transaction(session) as own:
                user = own.get(K1User, payload["external_id"])
                if user is not None:
                    domain.record_module_user(own, module.instance.id, user)
            return outcome
        scim_id = module.find_user_id()
        if scim_id is None:
            return Outcome(True, "the module has no account for this user: nothing to change")
        if action == "delete":
            return module.delete(scim_id)
        return module.set_active(scim_id, action == "enable")

    return handler


def _deliver_settings(session: Session, payload: dict, key: str) -> Outcome:
    """Module Management's change, to the module (UV-SYNC-2): PUT the settings document."""
    instance = session.get(ModuleInstance, payload["instance_id"])
    if instance is None or not instance.settings_url:
        return Outcome(False, "the module instance is gone, or takes no settings")
    _status, body = json_delivery(
        journalled_session(lambda: session, JournalEntry, instance.tenant_id),
        "PUT",
        instance.settings_url,
        other_side="the module",
        json={"version": payload["version"], "settings": payload["settings"]},
        headers={"Authorization": f"Bearer {instance.scim_token}", IDEMPOTENCY_HEADER: key},
        timeout=current_app.config["PUSH_TIMEOUT"],
    )
    return document_outcome(body, "the module")


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


def delivery_state(session: Session, instance: ModuleInstance) -> dict:
    """What Module Management shows of the pushes to a module instance: `syncing` (the orange
    clock: a version made here has not reached the module) and `failing` (each undelivered push
    whose last attempt failed, with why and when it is tried again)."""
    rows = pending_of(session, Outbox, Outbox.destination == instance.id)
    return {
        "syncing": any(row.kind == "settings.push" for row in rows),
        "failing": [row.to_json() for row in rows if row.failing],
    }


HANDLERS = {f"scim.{action}": _deliver(action) for action in ACTIONS}
HANDLERS["settings.push"] = _deliver_settings
DELIVERIES = Deliveries(Outbox, HANDLERS)
