"""Starting only the simulators a run uses: the plugin's systems under test
(k1harness.plugin.Systems) start an embedded simulator when a scenario first asks for its
driver, the hub before a module that needs it; start_served serves the simulators it is
asked for."""

from __future__ import annotations

import requests

from k1harness.plugin import Systems
from k1harness.served import start_served


class _Config:
    """What Systems reads of pytest's config: the target options, none given (all embedded)."""

    def getoption(self, name):
        return None


def started(systems) -> set[str]:
    return {
        name
        for simulators in systems.embedded
        for name in ("kaseyaone", "uniview", "autotask")
        if getattr(simulators, name) is not None
    }


def test_an_embedded_simulator_starts_when_its_driver_is_first_asked_for():
    systems = Systems(_Config())
    try:
        assert started(systems) == set()
        uniview = systems.uniview
        assert started(systems) == {"kaseyaone", "uniview"}  # the hub first: UniView needs it
        assert systems.uniview is uniview and uniview.ready()
        tenant = systems.kaseyaone.create_tenant("Lazy start")["tenant"]["id"]
        assert systems.kaseyaone.advance_clock(tenant, 60)
        assert started(systems) == {"kaseyaone", "uniview"}  # Autotask was never asked for
        assert systems.autotask.ready() and started(systems) == {"kaseyaone", "uniview", "autotask"}
    finally:
        systems.stop()
    assert systems.embedded == []


def test_served_simulators_are_the_ones_asked_for():
    served = start_served(workers=1, simulators=("uniview",))
    try:
        assert set(served.urls) == {"kaseyaone", "uniview"}  # the module's hub is served too
        assert len(served.processes) == 2
        for url in served.urls.values():
            assert requests.get(url + "/_sim/health", timeout=5).ok
    finally:
        served.stop()
