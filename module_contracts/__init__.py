"""Module contracts: one per kind of module KaseyaOne hosts (module_contracts.base). The hub and
each module read the same contract. Contracts are found through the entry-point group
`kaseyaone_sim.module_contracts`: a new module kind is a package with its contract, declared
there, and no change to the hub."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from .base import ClaimSource, ModuleContract, Push

GROUP = "kaseyaone_sim.module_contracts"


@cache
def _declared() -> dict[str, ModuleContract]:
    found = {}
    for entry in entry_points(group=GROUP):
        contract = entry.load()
        if not isinstance(contract, ModuleContract):
            raise TypeError(f"{entry.value} (entry point {GROUP}) is not a ModuleContract")
        found[contract.kind] = contract
    return found


def contracts(extra: tuple[ModuleContract, ...] = ()) -> dict[str, ModuleContract]:
    """Every declared contract, by kind, and `extra` ones (a deployment's own, or a test's)."""
    return {**_declared(), **{contract.kind: contract for contract in extra}}


__all__ = ["ClaimSource", "ModuleContract", "Push", "contracts", "GROUP"]
