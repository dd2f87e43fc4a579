"""The simulation control plane, under `/_sim/` on every simulator (documented in
`sim_common/openapi/control.yaml`): tenants with seed data, the per-tenant simulated clock, the
request journal. Open on the embedded run; behind a bearer token when served."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from contextlib import contextmanager

from flask import Blueprint, current_app, g, request
from sqlalchemy import delete, select

from . import throttle
from .clock import advance_clock, epoch_seconds, real_now, tenant_now
from .db import db, finish_request_session
from .errors import Conflict, InvalidRequest, NotFound, Unauthorized
from .leases import own_transaction, take
from .validation import query_integer, text

MAX_ADVANCE_SECONDS = 10 * 365 * 86400

control_blueprint = Blueprint("sim_control", __name__, url_prefix="/_sim")


def _models():
    return current_app.extensions["sim_models"]


@control_blueprint.before_request
def require_control_token():
    if request.endpoint in ("sim_control.health", "sim_control.openapi"):
        return None
    expected = current_app.config.get("SIM_CONTROL_TOKEN")
    if not expected:
        return None
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        raise Unauthorized("The control plane needs 'Authorization: Bearer <control token>'.")
    return None


def json_body() -> dict:
    """The request's JSON object: {} for no body; anything else is refused, saying why."""
    body = request.get_json(silent=True)
    if body is None and not request.data:
        return {}
    if not isinstance(body, dict):
        raise InvalidRequest(f"The body must be a JSON object{_why_not_json()}.")
    return body


def _why_not_json() -> str:
    if not request.is_json:
        return ", sent with 'Content-Type: application/json'"
    try:
        current_app.json.loads(request.data)
    except ValueError as exc:  # the parser says what and where
        return f"; this is not JSON: {exc}"
    return ""


def get_tenant(tenant_id: str):
    tenant = db().get(_models().Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"There is no tenant '{tenant_id}'.")
    g.tenant_id = tenant.id
    return tenant


def clock_json(tenant) -> dict:
    now = tenant_now(tenant)
    return {
        "now": now.isoformat() + "Z",
        "epoch": epoch_seconds(now),
        "offset_seconds": tenant.clock_offset_seconds,
    }


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "tenant"
    return f"{slug}-{secrets.token_hex(3)}"


@control_blueprint.get("/health")
def health():
    db().execute(select(1))
    return {"status": "ok", "simulator": current_app.name}


@control_blueprint.get("/openapi.yaml")
def openapi():
    from .web import openapi_document

    return openapi_document("sim_common", "openapi/control.yaml")


def create_tenant(body: dict) -> dict:
    """A fresh tenant seeded in the same transaction: the control plane's and the seed file's."""
    name = text(body.get("name") or "Tenant", "name", _models().Tenant.name)
    tenant_id = body.get("id") or slugify(name)
    if not isinstance(tenant_id, str):
        raise InvalidRequest("'id' must be a string.", field="id")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", tenant_id):
        raise InvalidRequest("'id' must be lower-case letters, digits and dashes.", field="id")
    session = db()
    if session.get(_models().Tenant, tenant_id) is not None:
        raise Conflict(f"A tenant '{tenant_id}' already exists.", field="id")
    tenant = _models().Tenant(
        id=tenant_id, name=name, created_at=real_now(), clock_offset_seconds=0.0
    )
    session.add(tenant)
    session.flush()
    g.tenant_id = tenant.id
    seeded = current_app.extensions["sim_seed_tenant"](tenant, body)
    return {"tenant": {"id": tenant.id, "name": tenant.name}, **seeded}


@control_blueprint.post("/tenants")
def post_tenant():
    return create_tenant(json_body()), 201


def seed_from_file(app, path: str) -> list[str]:
    """Create the tenants a seed file names (`{"tenants": [{"id", "name", "users", ...}]}`),
    skipping those that exist already, so that a restarted server keeps its state."""
    import json

    with open(path) as file:
        specs = json.load(file).get("tenants", [])
    created = []
    for spec in specs:
        with app.test_request_context():
            if db().get(app.extensions["sim_models"].Tenant, spec.get("id", "")) is None:
                created.append(create_tenant(spec)["tenant"]["id"])
            finish_request_session(commit=True)
    return created


@control_blueprint.delete("/tenants/<tenant_id>")
def delete_tenant(tenant_id: str):
    tenant = get_tenant(tenant_id)
    session = db()
    session.delete(tenant)
    models = _models()
    for model in (
        models.JournalEntry,
        models.Fault,
        models.Outbox,
        models.LoginThrottle,
        models.LoginFailure,
    ):
        if model is not None:  # rows that name the tenant without a foreign key
            session.execute(delete(model).where(model.tenant_id == tenant_id))
    return "", 204


@control_blueprint.get("/tenants/<tenant_id>/clock")
def read_clock(tenant_id: str):
    return clock_json(get_tenant(tenant_id))


@control_blueprint.post("/tenants/<tenant_id>/clock/advance")
def advance(tenant_id: str):
    body = json_body()
    seconds = body.get("seconds")
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not 0 <= seconds <= MAX_ADVANCE_SECONDS  # NaN fails this too
    ):
        raise InvalidRequest(
            "'seconds' must be a number of seconds, from 0 to ten years, to move the clock forward."
        )
    tenant = get_tenant(tenant_id)
    advance_clock(tenant, float(seconds))
    run_each_job(tenant, force=False)  # whatever fell due in the time that passed
    return clock_json(tenant)


def run_each_job(tenant, force: bool) -> dict:
    """Each job in a transaction of its own, after what came before is committed: a job that
    waits on another system never holds the database's write lock while it waits (with SQLite,
    that would stall every tenant's requests). A job that fails is undone alone and reported in
    the answer; the clock has moved and the other jobs' work stands, so the call still answers
    200 (a client retrying a 500 would move the clock twice). One run of a tenant's jobs at a
    time (tenant_jobs_turn)."""
    from .web import rollback_keeping_sent

    session = db()
    session.commit()  # the clock's move: the turn is taken in a transaction of its own
    ran = {}
    with tenant_jobs_turn(session, tenant.id):
        for name, job in current_app.extensions.get("sim_jobs", {}).items():
            session.commit()
            try:
                ran[name] = job.run(tenant, force=force)
            except Exception as exc:
                rollback_keeping_sent(session)
                current_app.logger.exception("job %s failed for tenant %s", name, tenant.id)
                ran[name] = {"error": f"{type(exc).__name__}: {exc}"}
        session.commit()  # the last job's work, before the turn is given back
    return ran


# Seconds a run of a tenant's jobs holds its turn (longer than any run: their calls to other
# systems time out sooner), and how long another run waits for it before going ahead anyway.
JOBS_TURN_SECONDS = 60
JOBS_WAIT_SECONDS = 30


@contextmanager
def tenant_jobs_turn(session, tenant_id: str):
    """One run of a tenant's jobs at a time, across a served simulator's processes: the
    scheduler, a clock's advance and `jobs/run` would otherwise run the same due job together
    (two group syncs, one failing and one not, each recording its outcome). A run that finds
    another under way waits for it, then runs what is still due: a clock's advance answers
    once what fell due has run, whoever ran it."""
    lease = _models().Lease
    if lease is None:
        yield
        return
    name = "jobs:" + hashlib.sha1(tenant_id.encode()).hexdigest()
    holder = secrets.token_hex(8)
    deadline = time.monotonic() + JOBS_WAIT_SECONDS
    while not take(session, lease, name, holder, JOBS_TURN_SECONDS):
        if time.monotonic() > deadline:  # a run stuck past any call's timeout: go ahead
            current_app.logger.warning("jobs of tenant %s ran beside another run", tenant_id)
            break
        wait_for_turn()
    try:
        yield
    except BaseException:
        from .web import rollback_keeping_sent

        rollback_keeping_sent(session)  # nothing of it left holding the database's write lock
        raise
    finally:
        with own_transaction(session) as own:
            own.execute(delete(lease).where(lease.name == name, lease.holder == holder))


def wait_for_turn() -> None:
    """A moment's wait for another run of a tenant's jobs to end (real time: it runs now)."""
    time.sleep(0.02)


def run_jobs_of(app, tenant_id: str) -> dict:
    """The tenant's due jobs, run outside any request (the served scheduler): as the clock's
    advance runs them, then what their commits were for (the outbox's first attempts)."""
    from .web import run_after_commit

    with app.app_context():
        try:
            tenant = db().get(_models().Tenant, tenant_id)
            ran = run_each_job(tenant, force=False) if tenant is not None else {}
            finish_request_session(commit=True)
        finally:
            finish_request_session(commit=False)  # what a failure left open
        run_after_commit()
        return ran


@control_blueprint.get("/tenants/<tenant_id>/journal")
def journal(tenant_id: str):
    get_tenant(tenant_id)
    entry = _models().JournalEntry
    query = select(entry).where(entry.tenant_id == tenant_id).order_by(entry.id)
    since = request.args.get("since")
    if since is not None:
        query = query.where(entry.id > query_integer(since, "since"))
    return {"entries": [e.to_json() for e in db().scalars(query)]}


def _require(model_name: str):
    model = getattr(_models(), model_name)
    if model is None:
        raise NotFound(f"This simulator has no {model_name.lower()}.")
    return model


@control_blueprint.post("/tenants/<tenant_id>/faults")
def add_fault(tenant_id: str):
    from .faults import add_fault as add

    return add(db(), _require("Fault"), get_tenant(tenant_id), json_body()), 201


@control_blueprint.get("/tenants/<tenant_id>/throttling")
def read_throttling(tenant_id: str):
    return throttle.settings_json(db(), get_tenant(tenant_id))


@control_blueprint.put("/tenants/<tenant_id>/throttling")
def set_throttling(tenant_id: str):
    """The tenant's own password throttling (any of the settings; the others recommended)."""
    tenant = get_tenant(tenant_id)
    throttle.set_tenant_settings(db(), tenant, json_body())
    return throttle.settings_json(db(), tenant)


@control_blueprint.delete("/tenants/<tenant_id>/throttling")
def forget_throttling(tenant_id: str):
    """Back to the simulator's own setting."""
    tenant = get_tenant(tenant_id)
    throttle.forget_tenant_settings(db(), tenant)
    return throttle.settings_json(db(), tenant)


@control_blueprint.get("/tenants/<tenant_id>/outbox")
def outbox(tenant_id: str):
    get_tenant(tenant_id)
    model = _require("Outbox")
    rows = db().scalars(select(model).where(model.tenant_id == tenant_id).order_by(model.id))
    return {"entries": [row.to_json() for row in rows]}


@control_blueprint.post("/tenants/<tenant_id>/jobs/run")
def run_jobs(tenant_id: str):
    """Run every job of the tenant now, as if its time had come (outbox retries included)."""
    return {"ran": run_each_job(get_tenant(tenant_id), force=True)}
