"""Binds autotask_cooper.feature; its steps live in steps/."""

from pytest_bdd import scenarios

scenarios("autotask_cooper.feature")
