"""Makes the step modules visible to every feature's test module."""

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
