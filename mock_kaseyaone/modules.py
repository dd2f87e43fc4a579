"""The module kinds this KaseyaOne hosts: their contracts (module_contracts), declared through
the entry-point group, and any a deployment or a test adds (the `MODULE_CONTRACTS` setting).
The hub reads everything that differs between module kinds from here."""

from __future__ import annotations

from flask import current_app, has_app_context

from module_contracts import ModuleContract, contracts

from .errors import UnknownModule


def registry() -> dict[str, ModuleContract]:
    extra = tuple(current_app.config.get("MODULE_CONTRACTS", ())) if has_app_context() else ()
    return contracts(extra)


def contract_for(kind) -> ModuleContract:
    known = registry()
    if not isinstance(kind, str) or kind not in known:
        raise UnknownModule(
            f"KaseyaOne knows no module '{kind}'; it knows {', '.join(sorted(known))}.",
            field="module",
        )
    return known[kind]
