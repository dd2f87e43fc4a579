"""Makes the step modules visible to every feature's test module, and picks xdist's schedule."""

import pytest

pytest_plugins = [
    "steps.cast",
    "steps.tenants",
    "steps.sign_in",
    "steps.configuration",
    "steps.require_login",
    "steps.provisioning",
    "steps.deprovisioning",
    "steps.settings_sync",
    "steps.reset",
    "steps.access_groups",
    "steps.cooper",
    "steps.conformance",
    "steps.harness",
    "steps.portal",
    "steps.autotask",
    "steps.autotask_integration",
    "steps.autotask_cooper",
]


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """With -n and no --dist, xdist's work stealing: the harness's scenarios (steps/harness.py
    puts them first) stay on the first worker, which starts the served simulators once, and a
    worker that runs out of scenarios takes half of the other's rest rather than waiting
    while that one finishes a fixed share (xdist's default, load, hands out fixed chunks)."""
    option = config.option
    if getattr(option, "numprocesses", None) and getattr(option, "dist", "no") == "no":
        option.dist = "worksteal"
