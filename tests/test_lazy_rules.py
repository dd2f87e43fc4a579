"""sim_common.lazy.LazilyBuiltRule: a simulator's URL rules compile their builders on first use;
the URLs they build and match are werkzeug's own."""

from __future__ import annotations

import threading

import pytest
from werkzeug.routing import Map, Rule

import mock_uniview
from sim_common.lazy import LazilyBuiltRule

RULES = [
    ("/t/<tenant>/scim/v2/Users/<user_id>", "user"),
    ("/t/<tenant>/files/<path:rest>", "file"),
    ("/page/<int:number>", "page"),
    ("/", "home"),
]
BUILDS = [
    ("user", {"tenant": "acme", "user_id": "u 1é"}),
    ("user", {"tenant": "acme", "user_id": "u1", "startIndex": 3, "filter": 'a eq "b"'}),
    ("file", {"tenant": "acme", "rest": "a/b c"}),
    ("page", {"number": 42}),
    ("home", {"next": "/x?y=1"}),
]


def adapter(rule_class: type[Rule]):
    return Map([rule_class(path, endpoint=name) for path, name in RULES]).bind("sim.example")


@pytest.mark.parametrize(("endpoint", "values"), BUILDS)
def test_a_lazily_built_rule_builds_and_matches_what_werkzeug_does(endpoint, values):
    lazy, eager = adapter(LazilyBuiltRule), adapter(Rule)
    for _ in range(2):  # compiled by the first build, used by the second
        url = lazy.build(endpoint, values, force_external=True)
        assert url == eager.build(endpoint, values, force_external=True)
    path = lazy.build(endpoint, values).split("?")[0]
    assert lazy.match(path) == eager.match(path)


def test_threads_building_at_once_get_the_same_urls():
    lazy = adapter(LazilyBuiltRule)
    found: list[str] = []

    def build():
        found.append(lazy.build("user", {"tenant": "acme", "user_id": "u1", "x": "1"}))

    threads = [threading.Thread(target=build) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == ["/t/acme/scim/v2/Users/u1?x=1"] * 8


def test_a_simulator_adds_its_routes_as_lazily_built_rules():
    app = mock_uniview.create_app({"DATABASE_URL": "sqlite://"})
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    assert rules and all(isinstance(rule, LazilyBuiltRule) for rule in rules)
    with app.test_request_context():
        from flask import url_for

        assert url_for("uv_scim.delete_user", tenant="acme", user_id="u1") == (
            "/t/acme/scim/v2/Users/u1"
        )
