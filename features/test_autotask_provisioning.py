"""Binds autotask_provisioning.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("autotask_provisioning.feature")
