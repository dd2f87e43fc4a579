"""Cooper, KaseyaOne's insight engine (uniview-kaseyaone-integration.txt, "Working with Cooper
Insights in KaseyaOne"; UV-INS-9, UV-INS-10): module instances report telemetry, KaseyaOne keeps
the latest report of each, and evaluates the rules of the instance's contract over it
(module_contracts.insights: one engine, the rules are data) when a report arrives and once a
day on the tenant's clock.

An evaluation raises an insight whose rule holds (into To Do) unless one is open already, and
moves an open insight (To Do or Snoozed) whose rule no longer holds to Completed; when the rule
holds again, a new insight is raised. Only instances whose module has added the KaseyaOne
integration exist here, so only they get insights (UV-INS-9).

"Added less than 7 days ago" is measured on the module's clock: a report says when the module
observed its facts (`observed_at`, its clock); an evaluation later takes the module's now to be
that moment plus the time passed on this tenant's clock since the report arrived. No Flask
here."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from module_contracts.insights import Insights, Verdict
from sim_common.clock import iso, parse_iso, tenant_now
from sim_common.db import insert_new
from sim_common.errors import InvalidRequest
from sim_common.scheduler import next_slot
from sim_common.validation import integer, url
from sim_common.web import new_id

from .errors import InsightNotFound, InsightNotInToDo, NoInsights
from .models import (
    Insight,
    ModuleInstance,
    RuleEvaluation,
    TelemetrySnapshot,
    Tenant,
)
from .modules import registry

EVALUATION_INTERVAL = timedelta(days=1)
LISTS = ("todo", "snoozed", "completed")
OPEN = ("todo", "snoozed")
REPORT_KEYS = {"sequence", "observed_at", "facts", "links"}


def insights_of(module: str) -> Insights | None:
    contract = registry().get(module)
    return contract.insights if contract is not None else None


def sources() -> dict[str, str]:
    """Cooper's module filter: each module kind with insights, and what the filter calls it."""
    return {kind: c.insights.source for kind, c in registry().items() if c.insights is not None}


# Telemetry.


def _links(value, insights: Insights) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidRequest("'links' must map action keys to URLs.", field="links")
    unknown = sorted(set(value) - insights.action_keys)
    if unknown:
        raise InvalidRequest(
            f"'links' names actions no insight has: {', '.join(unknown[:10])}.", field="links"
        )
    return {key: url(link, f"links.{key}") for key, link in value.items()}


def record_telemetry(session: Session, instance: ModuleInstance, report) -> dict:
    """A module instance's telemetry report `{"sequence", "observed_at", "facts", "links"}`:
    kept if its sequence is higher than the one held (a late report changes nothing), and the
    instance's insights evaluated at once. Refused whole if any part is not what the contract
    says (InvalidRequest, naming it)."""
    insights = insights_of(instance.module)
    if insights is None:
        raise NoInsights()
    unknown = sorted(set(report) - REPORT_KEYS)
    if unknown:
        raise InvalidRequest(
            f"A report has sequence, observed_at, facts and links, not {', '.join(unknown[:10])}."
        )
    sequence = integer(report.get("sequence"), "sequence", minimum=1)
    observed_at = parse_iso(report.get("observed_at"))
    if observed_at is None:
        raise InvalidRequest(
            "'observed_at' must be an ISO 8601 date and time with an offset: the module's clock "
            "when it observed the facts.",
            field="observed_at",
        )
    insights.check_facts(report.get("facts"))
    links = _links(report.get("links"), insights)
    now = tenant_now(session.get(Tenant, instance.tenant_id))
    snapshot = session.get(TelemetrySnapshot, instance.id)
    if snapshot is None:
        # The first report; unless another made it at the same moment (then that one counts).
        first = {
            "instance_id": instance.id,
            "tenant_id": instance.tenant_id,
            "sequence": 0,
            "observed_at": observed_at,
            "received_at": now,
            "facts": {},
            "links": {},
            "next_evaluation_at": now + EVALUATION_INTERVAL,
        }
        insert_new(session, TelemetrySnapshot, [first])
        snapshot = session.get(TelemetrySnapshot, instance.id)
    if sequence <= snapshot.sequence:
        return {"accepted": False, "sequence": snapshot.sequence}
    snapshot.sequence, snapshot.observed_at, snapshot.received_at = sequence, observed_at, now
    # A link given replaces the one held; an action the report gives none for keeps its own.
    snapshot.facts, snapshot.links = dict(report["facts"]), {**(snapshot.links or {}), **links}
    verdicts = evaluate(session, instance, snapshot, now)
    return {
        "accepted": True,
        "sequence": sequence,
        "raised": [v.rule.key for v in verdicts if v.raised],
    }


# Evaluation.


def module_now(snapshot: TelemetrySnapshot, now: datetime) -> datetime:
    return snapshot.observed_at + (now - snapshot.received_at)


def _completed_because(verdict: Verdict | None) -> str:
    if verdict is None:
        return "The module's contract no longer has this insight."
    if verdict.trigger.held:
        return "Excluded: " + " ".join(verdict.excluded_by)
    return "Resolved: the trigger no longer holds."


def evaluate(
    session: Session, instance: ModuleInstance, snapshot: TelemetrySnapshot, now: datetime
) -> list[Verdict]:
    """Every rule of the instance's contract over its latest report, now: each rule's
    evaluation recorded, insights raised or completed."""
    insights = insights_of(instance.module)
    if insights is None:  # its contract no longer has insights: nothing is raised
        verdicts = []
    else:
        verdicts = insights.evaluate(
            insights.check_facts(snapshot.facts), module_now(snapshot, now)
        )
    by_rule = {verdict.rule.key: verdict for verdict in verdicts}
    recorded, open_insights = recorded_evaluations(session, instance), open_of(session, instance)
    new_evaluations, raised = [], []
    mine = {"instance_id": instance.id, "tenant_id": instance.tenant_id}
    for key, verdict in by_rule.items():
        values = {"evaluated_at": now, "raised": verdict.raised, "detail": verdict.to_json()}
        if key in recorded:
            for name, value in values.items():
                setattr(recorded[key], name, value)
        else:
            new_evaluations.append({**mine, "rule": key, **values})
        if verdict.raised and key not in open_insights:
            raised.append({**mine, "id": new_id(), "rule": key, "state": "todo", "raised_at": now})
    # Another evaluation of this instance at the same moment (the daily one, a report) may
    # have written these already: theirs stand, and no rule gets two open insights.
    insert_new(session, RuleEvaluation, new_evaluations)
    insert_new(session, Insight, raised)
    for key, insight in open_insights.items():
        verdict = by_rule.get(key)
        if verdict is None or not verdict.raised:
            insight.state, insight.completed_at = "completed", now
            insight.completed_because = _completed_because(verdict)
    session.flush()
    return verdicts


def recorded_evaluations(session: Session, instance: ModuleInstance) -> dict:
    query = select(RuleEvaluation).where(RuleEvaluation.instance_id == instance.id)
    return {evaluation.rule: evaluation for evaluation in session.scalars(query)}


def open_of(session: Session, instance: ModuleInstance) -> dict:
    """The instance's insights in To Do or Snoozed, by rule."""
    query = select(Insight).where(Insight.instance_id == instance.id, Insight.state.in_(OPEN))
    return {insight.rule: insight for insight in session.scalars(query)}


def due(session: Session) -> list[str]:
    """The tenants with a module instance whose daily evaluation is due on their clock."""
    earliest = (
        select(
            TelemetrySnapshot.tenant_id, func.min(TelemetrySnapshot.next_evaluation_at).label("due")
        )
        .group_by(TelemetrySnapshot.tenant_id)
        .subquery()
    )
    rows = session.execute(
        select(Tenant, earliest.c.due).join(earliest, earliest.c.tenant_id == Tenant.id)
    )
    return [tenant.id for tenant, at in rows if at <= tenant_now(tenant)]


def evaluate_due(session: Session, tenant: Tenant, force: bool = False) -> int:
    """The daily evaluation of the tenant's module instances that are due (all, with `force`).
    How many were evaluated."""
    now = tenant_now(tenant)
    query = select(TelemetrySnapshot, ModuleInstance).join(
        ModuleInstance, ModuleInstance.id == TelemetrySnapshot.instance_id
    )
    query = query.where(TelemetrySnapshot.tenant_id == tenant.id)
    if not force:
        query = query.where(TelemetrySnapshot.next_evaluation_at <= now)
    evaluated = 0
    for snapshot, instance in session.execute(query).all():
        evaluate(session, instance, snapshot, now)
        snapshot.next_evaluation_at = next_slot(
            snapshot.next_evaluation_at, now, EVALUATION_INTERVAL
        )
        evaluated += 1
    return evaluated


def job(tenant: Tenant, force: bool) -> int:
    """The `insights` job: how many module instances it evaluated."""
    from sim_common.db import db

    return evaluate_due(db(), tenant, force)


# Cooper's lists, for a person and for programs.


def list_insights(
    session: Session, tenant: Tenant, state: str, modules: list[str] | None = None
) -> list[dict]:
    """The tenant's insights in one list (todo, snoozed, completed), newest first, of the given
    module kinds only if `modules` names any."""
    if state not in LISTS:
        raise InvalidRequest(f"'list' must be one of {', '.join(LISTS)}.", field="list")
    query = _insight_rows(tenant).where(Insight.state == state)
    if modules:
        query = query.where(ModuleInstance.module.in_(modules))
    newest = Insight.completed_at if state == "completed" else Insight.raised_at
    return [_json(*row) for row in session.execute(query.order_by(newest.desc(), Insight.id))]


def counts(session: Session, tenant: Tenant, modules: list[str] | None = None) -> dict[str, int]:
    query = (
        select(Insight.state, func.count())
        .join(ModuleInstance, ModuleInstance.id == Insight.instance_id)
        .where(Insight.tenant_id == tenant.id)
        .group_by(Insight.state)
    )
    if modules:
        query = query.where(ModuleInstance.module.in_(modules))
    found = dict(session.execute(query).all())
    return {state: found.get(state, 0) for state in LISTS}


def _insight_rows(tenant: Tenant):
    return (
        select(Insight, ModuleInstance, TelemetrySnapshot.links)
        .join(ModuleInstance, ModuleInstance.id == Insight.instance_id)
        .outerjoin(TelemetrySnapshot, TelemetrySnapshot.instance_id == Insight.instance_id)
        .where(Insight.tenant_id == tenant.id)
    )


def get_insight(session: Session, tenant: Tenant, insight_id: str) -> Insight:
    insight = session.get(Insight, insight_id) if isinstance(insight_id, str) else None
    if insight is None or insight.tenant_id != tenant.id:
        raise InsightNotFound()
    return insight


def insight_json(session: Session, tenant: Tenant, insight: Insight) -> dict:
    row = session.execute(_insight_rows(tenant).where(Insight.id == insight.id)).one()
    return _json(*row)


def snooze(session: Session, insight: Insight) -> None:
    """Snooze moves an insight from To Do to the Snoozed list (UV-INS-10)."""
    if insight.state != "todo":
        raise InsightNotInToDo()
    insight.state = "snoozed"
    insight.snoozed_at = tenant_now(session.get(Tenant, insight.tenant_id))


def unsnooze(session: Session, insight: Insight) -> None:
    """Back to To Do, from Snoozed."""
    if insight.state != "snoozed":
        raise InsightNotInToDo("Only a snoozed insight can go back to the To Do list.")
    insight.state, insight.snoozed_at = "todo", None


def _json(insight: Insight, instance: ModuleInstance, links: dict | None) -> dict:
    insights = insights_of(instance.module)
    rule = insights.rule(insight.rule) if insights is not None else None
    body = {
        "id": insight.id,
        "list": insight.state,
        "module": instance.module,
        "source": insights.source if insights is not None else instance.module,
        "module_instance": {"id": instance.id, "name": instance.name},
        "rule": insight.rule,
        "component": rule.component if rule else None,
        "name": rule.name if rule else insight.rule,
        "summary": rule.summary if rule else None,
        "action": None,
        "raised_at": iso(insight.raised_at),
        "snoozed_at": iso(insight.snoozed_at),
        "completed_at": iso(insight.completed_at),
        "completed_because": insight.completed_because,
    }
    if rule is not None:
        body["action"] = {
            "label": rule.action.label,
            "url": (links or {}).get(rule.action.key),
            "resolution": rule.action.resolution,
        }
    return body


def evaluations(session: Session, tenant: Tenant) -> list[dict]:
    """For the control plane: each module instance of the tenant, its latest report, and every
    rule's last evaluation (raised or not, why, which exclusion held)."""
    instances = session.scalars(
        select(ModuleInstance)
        .where(ModuleInstance.tenant_id == tenant.id)
        .order_by(ModuleInstance.created_at)
    )
    recorded: dict[str, list[dict]] = {}
    for evaluation in session.scalars(
        select(RuleEvaluation).where(RuleEvaluation.tenant_id == tenant.id)
    ):
        detail = {**evaluation.detail, "evaluated_at": iso(evaluation.evaluated_at)}
        recorded.setdefault(evaluation.instance_id, []).append(detail)
    listed = []
    for instance in instances:
        snapshot = session.get(TelemetrySnapshot, instance.id)
        insights = insights_of(instance.module)
        order = [rule.key for rule in insights.rules] if insights is not None else []
        rules = sorted(
            recorded.get(instance.id, []),
            key=lambda e: order.index(e["rule"]) if e["rule"] in order else len(order),
        )
        listed.append(
            {
                "id": instance.id,
                "module": instance.module,
                "name": instance.name,
                "telemetry": None
                if snapshot is None
                else {
                    "sequence": snapshot.sequence,
                    "observed_at": iso(snapshot.observed_at),
                    "received_at": iso(snapshot.received_at),
                    "facts": snapshot.facts,
                    "next_evaluation_at": iso(snapshot.next_evaluation_at),
                },
                "rules": rules,
            }
        )
    return listed
