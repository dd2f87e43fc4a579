"""Fixtures several test modules share: a KaseyaOne served on loopback, a fresh tenant in it
for each test, and a browser. They are defined with the provider's own tests
(test_oidc_provider.py) and offered here to the other modules by name. And real time held
still, for the tests of a moment to the second on a tenant's clock."""

import pytest
from test_oidc_provider import browser, provider_url, tenant

# schemathesis makes test_fuzz.py's tests from the OpenAPI documents. Its plugin (and
# hypothesis') is left out of the feature runs by pyproject.toml's addopts: the suite pays its
# import and assertion rewriting in every process otherwise.
pytest_plugins = ["schemathesis.pytest.plugin", "_hypothesis_pytestplugin"]

__all__ = ["browser", "provider_url", "tenant"]


@pytest.fixture
def real_time_held(monkeypatch):
    """Every tenant's clock in this process moves only when the test moves it: the real time it
    follows besides (sim_common.clock) held where it was. For a test of a moment to the second
    (a retry not yet due a second before it is, Retry-After: 300): a loaded machine may stop a
    test for seconds between two requests (a full garbage collection of an xdist worker late
    in a run took up to 3 s on a busy 2-core machine), which would move the clock on."""
    from sim_common import clock

    held = clock.real_now()
    monkeypatch.setattr(clock, "real_now", lambda: held)
