"""What a simulator prepares on first use rather than at start: a module imported on first use,
for heavy libraries a simulator needs only on some routes; URL rules whose builders are compiled
when a URL is first built from them."""

from __future__ import annotations

import importlib
from types import ModuleType

from werkzeug.routing import Rule


class LazyModule:
    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str):
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)


class LazilyBuiltRule(Rule):
    """werkzeug's Rule (Flask's `url_rule_class`), except that the two URL builders werkzeug
    writes and compiles as Python code for each rule when it is added (about half of a
    simulator's create_app, 15-25 ms for its hundred rules) are compiled when `url_for` first
    builds a URL from the rule: most rules of a run never build one. Matching is unchanged."""

    def _compile_builder(self, append_unknown: bool = True):
        def build(rule: Rule, **values):
            compiled = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            # Compiled twice at worst, by two threads at once: either is the same builder.
            setattr(rule, "_build_unknown" if append_unknown else "_build", compiled)
            return compiled(**values)

        return build
