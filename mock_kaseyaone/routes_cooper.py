"""Cooper's routes (mock_kaseyaone.insights): the telemetry a module instance reports, as its
OAuth client; Cooper for master users — the page (To Do, Snoozed, Completed, the module
filter, each insight's details, its action and Snooze) and the same as JSON; and, for the
control plane, every rule's last evaluation per module instance."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from sim_common.control import get_tenant, json_body, require_control_token
from sim_common.db import db
from sim_common.idempotency import apply_once

from . import insights
from .models import IdempotentRequest
from .routes_admin_pages import load_master
from .routes_api import authenticate_master
from .routes_module import authenticate_module

# A module instance reports its telemetry (HTTP Basic with its client_id and secret).
telemetry_bp = Blueprint("module_telemetry", __name__, url_prefix="/api/v1/module")
telemetry_bp.fault_kind = "telemetry"
telemetry_bp.before_request(authenticate_module)
# A report sent again after a lost answer carries the same Idempotency-Key: applied once.
apply_once(telemetry_bp, IdempotentRequest, lambda: g.instance.tenant)


@telemetry_bp.put("/telemetry")
def report_telemetry():
    return insights.record_telemetry(db(), g.instance, json_body())


def _modules() -> list[str]:
    known = insights.sources()
    return [kind for kind in request.args.getlist("module") if kind in known]


def _list() -> str:
    return request.args.get("list", "todo")


# Cooper as JSON, for master users (HTTP Basic, as the admin API).
api_bp = Blueprint("cooper_api", __name__, url_prefix="/api/v1/cooper")
api_bp.fault_kind = "cooper"
api_bp.before_request(authenticate_master)


@api_bp.get("/insights")
def list_insights():
    """`?list=todo|snoozed|completed` (default todo), `&module=uniview` (repeatable): only
    those modules' insights."""
    modules = _modules()
    return {
        "list": _list(),
        "modules": [
            {"module": kind, "source": source, "selected": kind in modules}
            for kind, source in insights.sources().items()
        ],
        "counts": insights.counts(db(), g.tenant, modules),
        "insights": insights.list_insights(db(), g.tenant, _list(), modules),
    }


@api_bp.get("/insights/<insight_id>")
def show_insight(insight_id):
    insight = insights.get_insight(db(), g.tenant, insight_id)
    return insights.insight_json(db(), g.tenant, insight)


@api_bp.post("/insights/<insight_id>/snooze")
def snooze(insight_id):
    insight = insights.get_insight(db(), g.tenant, insight_id)
    insights.snooze(db(), insight)
    return insights.insight_json(db(), g.tenant, insight)


@api_bp.post("/insights/<insight_id>/unsnooze")
def unsnooze(insight_id):
    insight = insights.get_insight(db(), g.tenant, insight_id)
    insights.unsnooze(db(), insight)
    return insights.insight_json(db(), g.tenant, insight)


# Cooper as a page, for a master user signed in to KaseyaOne (Admin Settings' session).
pages_bp = Blueprint("cooper", __name__, url_prefix="/cooper")
pages_bp.before_request(load_master)


@pages_bp.get("")
def cooper_page():
    modules = _modules()
    return render_template(
        "cooper.html",
        current=_list(),
        lists={"todo": "To Do", "snoozed": "Snoozed", "completed": "Completed"},
        sources=insights.sources(),
        modules=modules,
        counts=insights.counts(db(), g.tenant, modules),
        insights=insights.list_insights(db(), g.tenant, _list(), modules),
    )


@pages_bp.get("/insights/<insight_id>")
def insight_page(insight_id):
    insight = insights.get_insight(db(), g.tenant, insight_id)
    return render_template(
        "cooper_insight.html", insight=insights.insight_json(db(), g.tenant, insight)
    )


@pages_bp.post("/insights/<insight_id>/snooze")
def snooze_form(insight_id):
    insights.snooze(db(), insights.get_insight(db(), g.tenant, insight_id))
    return redirect(url_for("cooper.cooper_page", list="snoozed"))


@pages_bp.post("/insights/<insight_id>/unsnooze")
def unsnooze_form(insight_id):
    insights.unsnooze(db(), insights.get_insight(db(), g.tenant, insight_id))
    return redirect(url_for("cooper.cooper_page"))


# The control plane: why each rule raised an insight or not, per module instance.
control_bp = Blueprint("k1_sim_cooper", __name__, url_prefix="/_sim")
control_bp.before_request(require_control_token)


@control_bp.get("/tenants/<tenant_id>/insights")
def rule_evaluations(tenant_id):
    return {"module_instances": insights.evaluations(db(), get_tenant(tenant_id))}


def blueprints() -> tuple[Blueprint, ...]:
    return telemetry_bp, api_bp, pages_bp, control_bp


# Callers that authenticate in headers (HTTP Basic, the control token): no CSRF token.
HEADER_AUTHENTICATED = (telemetry_bp.name, api_bp.name, control_bp.name)
