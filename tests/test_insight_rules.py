"""Cooper's rules as data (module_contracts.insights): one engine evaluates any contract's table
— a made-up one included — the condition language is checked when a contract is built, a
report's facts are checked against the contract, and "added < 7 days ago" turns exactly at the
boundary. UniView's table says what the document's tables say."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from module_contracts.insights import Action, Clause, InsightRule, Insights, InvalidRule
from module_contracts.uniview import INSIGHTS as UNIVIEW
from sim_common.errors import InvalidRequest

NOW = datetime(2026, 3, 1, 12, 0, 0)
NEW = Clause("Added < 7 days ago.", {"fact": "added_at", "op": "less_than_days_ago", "value": 7})


def made_up(**overrides) -> Insights:
    """A module kind nobody has written yet: tickets, and whether a queue is set."""
    facts = {"added_at": "date", "open_tickets": "count", "queue_set": "flag"}
    rule = InsightRule(
        key="too_many_tickets",
        component="Tickets",
        name="Your queue is overflowing",
        summary="Close or route tickets.",
        trigger=Clause(
            "Send if more than 10 tickets are open and no queue is set.",
            {
                "all": [
                    {"fact": "open_tickets", "op": "gt", "value": 10},
                    {"not": {"fact": "queue_set", "op": "eq", "value": True}},
                ]
            },
        ),
        exclusions=(NEW,),
        action=Action("queues", "Set up a queue", "Set a default queue."),
    )
    values = {"source": "Made-up Module", "facts": facts, "rules": (rule,), **overrides}
    return Insights(**values)


def report(**facts) -> dict:
    base = {"added_at": "2026-01-01T00:00:00Z", "open_tickets": 11, "queue_set": False}
    return {**base, **facts}


def test_a_made_up_table_is_evaluated_by_the_same_engine():
    insights = made_up()
    (verdict,) = insights.evaluate(insights.check_facts(report()), NOW)
    assert verdict.raised and verdict.rule.key == "too_many_tickets"
    assert verdict.to_json()["trigger"] == {
        "text": "Send if more than 10 tickets are open and no queue is set.",
        "held": True,
        "facts": {"open_tickets": 11, "queue_set": False},
    }
    (quiet,) = insights.evaluate(insights.check_facts(report(queue_set=True)), NOW)
    assert not quiet.raised and quiet.why() == "The trigger does not hold."


def test_added_less_than_seven_days_ago_turns_exactly_at_seven_days():
    insights = made_up()
    added = NOW - timedelta(days=7)
    facts = insights.check_facts(report(added_at=added.isoformat() + "+00:00"))
    (on_day_seven,) = insights.evaluate(facts, NOW)
    (a_second_before,) = insights.evaluate(facts, NOW - timedelta(seconds=1))
    assert on_day_seven.raised
    assert not a_second_before.raised
    assert a_second_before.excluded_by == ["Added < 7 days ago."]
    assert a_second_before.why() == "Excluded: Added < 7 days ago."


def test_a_date_not_known_is_not_less_than_seven_days_ago():
    insights = made_up()
    (verdict,) = insights.evaluate(insights.check_facts(report(added_at=None)), NOW)
    assert verdict.raised and verdict.exclusions[0].held is False


def rule_with(when) -> InsightRule:
    return InsightRule("r", "C", "N", "S", Clause("t", when), (), Action("a", "A", "R"))


@pytest.mark.parametrize(
    "when, why",
    [
        ({"fact": "nope", "op": "eq", "value": 0}, "no fact 'nope'"),
        ({"fact": "open_tickets", "op": "eq", "value": True}, "count fact"),
        ({"fact": "open_tickets", "op": "eq", "value": -1}, "count fact"),
        ({"fact": "open_tickets", "op": "like", "value": 1}, "count fact"),
        ({"fact": "queue_set", "op": "gt", "value": True}, "flag fact"),
        ({"fact": "queue_set", "op": "eq", "value": 1}, "flag fact"),
        ({"fact": "added_at", "op": "eq", "value": 7}, "date fact"),
        ({"fact": "added_at", "op": "less_than_days_ago", "value": 0}, "date fact"),
        ({"fact": "open_tickets", "op": "eq"}, "fact/op/value"),
        ({"all": []}, "non-empty list"),
        ({"any": {"fact": "queue_set"}}, "non-empty list"),
        ("open_tickets > 1", "is an object"),
    ],
)
def test_a_contract_with_a_condition_the_language_lacks_is_refused_when_built(when, why):
    always = rule_with({"fact": "added_at", "op": "less_than_days_ago", "value": 1})
    with pytest.raises(InvalidRule, match=why):
        made_up(rules=(always, InsightRule(**{**rule_with(when).__dict__, "key": "bad"})))


def test_a_contract_reports_no_fact_that_no_rule_reads():
    with pytest.raises(InvalidRule, match="facts no rule reads.*queue_set"):
        made_up(rules=(rule_with({"fact": "open_tickets", "op": "gt", "value": 0}),))


def test_rule_keys_are_unique_and_fact_types_known():
    with pytest.raises(InvalidRule, match="unique"):
        made_up(rules=made_up().rules * 2)
    with pytest.raises(InvalidRule, match="type"):
        made_up(facts={"added_at": "date", "open_tickets": "number", "queue_set": "flag"})


@pytest.mark.parametrize(
    "facts, field",
    [
        ({"open_tickets": 1, "queue_set": False}, "facts"),
        ({**report(), "extra": 1}, "facts"),
        (report(open_tickets=-1), "facts.open_tickets"),
        (report(open_tickets=1.5), "facts.open_tickets"),
        (report(open_tickets=True), "facts.open_tickets"),
        (report(open_tickets=2**40), "facts.open_tickets"),
        (report(queue_set="yes"), "facts.queue_set"),
        (report(added_at="2026-01-01T00:00:00"), "facts.added_at"),  # no offset: ambiguous
        (report(added_at="yesterday"), "facts.added_at"),
        (report(added_at=17), "facts.added_at"),
    ],
)
def test_a_report_must_carry_exactly_the_declared_facts_each_of_its_type(facts, field):
    with pytest.raises(InvalidRequest) as refused:
        made_up().check_facts(facts)
    assert refused.value.details["field"] == field


def test_dates_with_any_offset_are_read_as_utc():
    facts = made_up().check_facts(report(added_at="2026-01-01T02:00:00+02:00"))
    assert facts["added_at"] == datetime(2026, 1, 1, 0, 0, 0)


SET_UP = {
    "tenant_added_at": "2026-01-01T00:00:00Z",
    "helix_auto_update_appliances": 1,
    "unadded_appliances_with_protected_assets": 0,
    "scheduled_dca_jobs": 1,
    "scheduled_backup_copy_jobs": 1,
    "backup_alarms": 1,
    "replication_alarms": 1,
    "psa_integrated": True,
    "psa_added_at": "2026-01-01T00:00:00Z",
    "psa_closes_tickets_by_status": True,
    "organizations_mapped_to_psa": 1,
}


def raised(**changes) -> list[str]:
    facts = UNIVIEW.check_facts({**SET_UP, **changes})
    return [verdict.rule.key for verdict in UNIVIEW.evaluate(facts, NOW) if verdict.raised]


def test_uniview_nothing_is_raised_for_a_tenant_that_has_set_everything_up():
    assert raised() == []


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"helix_auto_update_appliances": 0}, ["missing_critical_updates"]),
        ({"scheduled_dca_jobs": 0}, ["automated_backup_testing"]),
        ({"backup_alarms": 0}, ["backup_alerting"]),
        ({"scheduled_backup_copy_jobs": 0}, ["backup_copy"]),
        ({"replication_alarms": 0}, ["replication_alerting"]),
        ({"organizations_mapped_to_psa": 0}, ["psa_mapping"]),
        ({"psa_closes_tickets_by_status": False}, ["automated_ticket_updates"]),
        # No PSA: ticketing is raised, mapping too (nothing excludes it), ticket updates not.
        (
            {
                "psa_integrated": False,
                "psa_added_at": None,
                "psa_closes_tickets_by_status": False,
                "organizations_mapped_to_psa": 0,
            },
            ["psa_ticketing", "psa_mapping"],
        ),
        # A PSA added 6 days ago holds back the mapping insight only.
        (
            {"organizations_mapped_to_psa": 0, "psa_added_at": "2026-02-23T12:00:01Z"},
            [],
        ),
        # An appliance with protected assets not added to UniView holds back two insights.
        (
            {
                "unadded_appliances_with_protected_assets": 1,
                "helix_auto_update_appliances": 0,
                "scheduled_backup_copy_jobs": 0,
                "backup_alarms": 0,
            },
            ["backup_alerting"],
        ),
        # A tenant added 6 days ago gets nothing.
        ({"tenant_added_at": "2026-02-23T12:00:01Z", "backup_alarms": 0}, []),
    ],
)
def test_uniview_each_trigger_and_exclusion_as_the_document_says(changes, expected):
    assert raised(**changes) == expected
