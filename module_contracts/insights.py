"""Cooper's insight rules as data, and the one engine that evaluates them (DESIGN: "Telemetry,
module to hub"). A module kind's contract holds its insights (`Insights`): the facts its
telemetry reports, each with a type, and a table of rules — component, name, summary, trigger,
exclusions, action — as the vendor documents give them (uniview-kaseyaone-integration.txt,
"Insight details" and "Resolving insights"). An insight is raised when its trigger holds and
none of its exclusions does. The hub evaluates every kind's table with `Insights.evaluate`;
there is no code per insight.

The condition language, checked when a contract is built (`InvalidRule` names what is wrong):

    {"fact": NAME, "op": OP, "value": VALUE}          one fact of the report
    {"all": [condition, ...]}  {"any": [...]}  {"not": condition}

- a `count` fact (a whole number): ops eq, ne, lt, le, gt, ge, against a whole number;
- a `flag` fact (true or false): ops eq, ne, against true or false;
- a `date` fact (a moment, or null where there is none): op `less_than_days_ago` with a whole
  number of days N: holds when the moment is known and lies less than N days before the
  module's now. Exactly N days ago it no longer holds ("added < 7 days ago": day 6 holds, day
  7 does not).

A contract reports no fact that no rule reads: the telemetry carries what the insights need and
nothing more."""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sim_common.clock import iso, parse_iso
from sim_common.errors import InvalidRequest

FACT_TYPES = ("count", "flag", "date")
COMPARISONS = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
AGE = "less_than_days_ago"
MAX_COUNT = 2**31 - 1


class InvalidRule(ValueError):
    """A contract's insight table that cannot be evaluated: refused when the contract is built."""


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_condition(condition, facts: Mapping[str, str], where: str) -> set[str]:
    """The facts `condition` reads, if it is a condition of the language over `facts` (name ->
    type); InvalidRule otherwise."""
    if not isinstance(condition, Mapping):
        raise InvalidRule(f"{where}: a condition is an object, not {condition!r}")
    keys = set(condition)
    if keys in ({"all"}, {"any"}):
        (combinator,) = keys
        parts = condition[combinator]
        if not isinstance(parts, list | tuple) or not parts:
            raise InvalidRule(f"{where}: '{combinator}' takes a non-empty list of conditions")
        return set().union(*(check_condition(part, facts, where) for part in parts))
    if keys == {"not"}:
        return check_condition(condition["not"], facts, where)
    if keys != {"fact", "op", "value"}:
        raise InvalidRule(
            f"{where}: a condition is fact/op/value, all, any or not; not {sorted(keys)}"
        )
    name, op, value = condition["fact"], condition["op"], condition["value"]
    kind = facts.get(name)
    if kind is None:
        raise InvalidRule(f"{where}: no fact {name!r} is reported")
    if kind == "date":
        if op != AGE or not _is_whole(value) or value < 1:
            raise InvalidRule(f"{where}: a date fact takes {AGE} with a whole number of days")
    elif kind == "flag":
        if op not in ("eq", "ne") or not isinstance(value, bool):
            raise InvalidRule(f"{where}: a flag fact takes eq or ne with true or false")
    elif op not in COMPARISONS or not _is_whole(value) or value < 0:
        raise InvalidRule(
            f"{where}: a count fact takes {', '.join(COMPARISONS)} with a whole number"
        )
    return {name}


def fact_names(condition: Mapping) -> set[str]:
    """The facts a (checked) condition reads."""
    for combinator in ("all", "any"):
        if combinator in condition:
            return set().union(*(fact_names(part) for part in condition[combinator]))
    if "not" in condition:
        return fact_names(condition["not"])
    return {condition["fact"]}


def holds(condition: Mapping, facts: Mapping, now: datetime) -> bool:
    """Whether `condition` (checked by check_condition) holds of `facts` at the module's `now`."""
    if "all" in condition:
        return all(holds(part, facts, now) for part in condition["all"])
    if "any" in condition:
        return any(holds(part, facts, now) for part in condition["any"])
    if "not" in condition:
        return not holds(condition["not"], facts, now)
    value = facts[condition["fact"]]
    if condition["op"] == AGE:
        return value is not None and now - value < timedelta(days=condition["value"])
    return COMPARISONS[condition["op"]](value, condition["value"])


@dataclass(frozen=True)
class Clause:
    """A trigger or an exclusion: the document's words, and the condition that says it."""

    text: str
    when: Mapping


@dataclass(frozen=True)
class Action:
    """What a person does about an insight: the button's label and the document's steps to
    resolve it. Where the button leads is the module's own business: its telemetry gives the
    link for each action `key` (a module's pages are not part of the contract)."""

    key: str
    label: str
    resolution: str


@dataclass(frozen=True)
class InsightRule:
    key: str
    component: str
    name: str
    summary: str
    trigger: Clause
    exclusions: tuple[Clause, ...]
    action: Action


@dataclass(frozen=True)
class ClauseResult:
    text: str
    held: bool
    facts: dict  # the facts the clause read, as reported

    def to_json(self) -> dict:
        return {"text": self.text, "held": self.held, "facts": self.facts}


@dataclass(frozen=True)
class Verdict:
    """One rule evaluated: raised when the trigger holds and no exclusion does."""

    rule: InsightRule
    trigger: ClauseResult
    exclusions: tuple[ClauseResult, ...]

    @property
    def excluded_by(self) -> list[str]:
        return [result.text for result in self.exclusions if result.held]

    @property
    def raised(self) -> bool:
        return self.trigger.held and not self.excluded_by

    def why(self) -> str:
        """Why the insight is (or is not) raised, in a sentence."""
        if not self.trigger.held:
            return "The trigger does not hold."
        if self.excluded_by:
            return "Excluded: " + " ".join(self.excluded_by)
        return "The trigger holds and no exclusion does."

    def to_json(self) -> dict:
        return {
            "rule": self.rule.key,
            "name": self.rule.name,
            "raised": self.raised,
            "why": self.why(),
            "trigger": self.trigger.to_json(),
            "exclusions": [result.to_json() for result in self.exclusions],
            "excluded_by": self.excluded_by,
        }


def _reported(value) -> object:
    return iso(value) if isinstance(value, datetime) else value


@dataclass(frozen=True)
class Insights:
    """A module kind's insights: `source` is what Cooper's module filter calls the module (the
    UniView document: "Unitrends Module"), `facts` what its telemetry reports (name -> count,
    flag or date), `rules` the table."""

    source: str
    facts: Mapping[str, str]
    rules: tuple[InsightRule, ...]

    def __post_init__(self) -> None:
        for name, kind in self.facts.items():
            if kind not in FACT_TYPES:
                raise InvalidRule(f"fact {name!r}: the type must be one of {FACT_TYPES}")
        keys = [rule.key for rule in self.rules]
        if len(set(keys)) != len(keys):
            raise InvalidRule(f"rule keys must be unique: {keys}")
        read: set[str] = set()
        for rule in self.rules:
            for clause in (rule.trigger, *rule.exclusions):
                read |= check_condition(clause.when, self.facts, f"{rule.key}: {clause.text}")
        unread = sorted(set(self.facts) - read)
        if unread:
            raise InvalidRule(f"facts no rule reads (telemetry carries no more): {unread}")

    @property
    def action_keys(self) -> set[str]:
        return {rule.action.key for rule in self.rules}

    def rule(self, key: str) -> InsightRule | None:
        return next((rule for rule in self.rules if rule.key == key), None)

    def check_facts(self, reported) -> dict:
        """A report's facts, as the engine reads them (dates as naive UTC datetimes): exactly
        the declared facts, each of its type; InvalidRequest naming what is wrong."""
        if not isinstance(reported, Mapping):
            raise InvalidRequest("'facts' must be an object.", field="facts")
        missing = sorted(set(self.facts) - set(reported))
        unknown = sorted(set(reported) - set(self.facts))
        if missing or unknown:
            raise InvalidRequest(
                "'facts' must be exactly the facts this module kind reports"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; not read by any insight: {', '.join(unknown[:10])}" if unknown else "")
                + ".",
                field="facts",
            )
        return {name: self._fact(name, reported[name]) for name in self.facts}

    def _fact(self, name: str, value):
        kind = self.facts[name]
        if kind == "count" and _is_whole(value) and 0 <= value <= MAX_COUNT:
            return value
        if kind == "flag" and isinstance(value, bool):
            return value
        if kind == "date":
            if value is None:
                return None
            moment = parse_iso(value)
            if moment is not None:
                return moment
        expected = {
            "count": "a whole number from 0",
            "flag": "true or false",
            "date": "an ISO 8601 date and time, or null",
        }[kind]
        raise InvalidRequest(f"Fact '{name}' must be {expected}.", field=f"facts.{name}")

    def _result(self, clause: Clause, facts: Mapping, now: datetime) -> ClauseResult:
        read = {name: _reported(facts[name]) for name in sorted(fact_names(clause.when))}
        return ClauseResult(clause.text, holds(clause.when, facts, now), read)

    def evaluate(self, facts: Mapping, now: datetime) -> list[Verdict]:
        """Every rule over `facts` (as check_facts returns them) at the module's `now`."""
        return [
            Verdict(
                rule,
                self._result(rule.trigger, facts, now),
                tuple(self._result(clause, facts, now) for clause in rule.exclusions),
            )
            for rule in self.rules
        ]
