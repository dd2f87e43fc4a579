"""A module kind's integration settings and their rules, as data: what the hub's Module
Management and the module's own configuration page both enforce, whichever side makes a change.

Every module kind has one login setting (UniView's "Log In with KaseyaOne", Autotask's "Unified
Login") that every other centralized-user-management setting needs (UV-SSO-3/4): turning it off
turns the dependent toggles off, and while it is off none of the dependent settings may change.
Some changes made in KaseyaOne need an extra confirmation (UV-SYNC-3, an interpretation); some
settings are required while another is on (AT-PROV-2), each missing one named.

The settings document both sides exchange is `{"version", "settings"}` (and, from the module,
`options`: the choices a setting whose values the module owns may take, e.g. Autotask's security
levels); a side applies a version only if it is newer than its own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sim_common.errors import Conflict, InvalidRequest

# The highest version either side accepts and stores (an INTEGER column, 32 bits on PostgreSQL).
MAX_VERSION = 2**31 - 1
MAX_OPTIONS = 1000  # choices a module may offer for one setting


@dataclass(frozen=True)
class Setting:
    """One setting. `off` is the value it takes when the login setting is turned off (for a
    toggle, False; None for a setting that simply cannot change while login is off)."""

    kind = "setting"  # how pages show it: toggle, choice or mapping

    name: str
    label: str
    default: object = False
    needs_login: bool = True
    # The value that needs an extra confirmation when a master user sets it in KaseyaOne.
    confirm: object = None
    # (setting, value): this one must be given while that setting has that value.
    required_when: tuple[str, object] | None = None

    @property
    def off(self):
        return None

    def check(self, value, options: Mapping | None = None):
        """The value, if it is one this setting can take; else InvalidRequest naming it."""
        raise NotImplementedError


@dataclass(frozen=True)
class Toggle(Setting):
    kind = "toggle"

    @property
    def off(self):
        return False

    def check(self, value, options=None):
        if not isinstance(value, bool):
            raise InvalidRequest(f"'{self.name}' must be true or false.", field=self.name)
        return value


@dataclass(frozen=True)
class Choice(Setting):
    """One of `choices`, or — where the module owns the values (`choices` empty) — one of the
    options the module last sent with its settings document. None where nothing is chosen."""

    kind = "choice"
    default: object = None
    choices: tuple = ()

    def labelled(self, options: Mapping | None) -> list[tuple[object, str]]:
        """The values a person may pick from, each with what to show."""
        if self.choices:
            return [(choice, str(choice)) for choice in self.choices]
        return [(o["value"], o["label"]) for o in (options or {}).get(self.name) or []]

    def allowed(self, options: Mapping | None) -> list | None:
        if self.choices:
            return list(self.choices)
        offered = (options or {}).get(self.name)
        return None if offered is None else [option["value"] for option in offered]

    def check(self, value, options=None):
        if value is None and not self.choices:
            return None
        allowed = self.allowed(options)
        if allowed is None:
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise InvalidRequest(f"'{self.name}' must be a value.", field=self.name)
            return value
        if value not in allowed:
            shown = ", ".join(str(a) for a in allowed[:20]) + (" ..." if len(allowed) > 20 else "")
            raise InvalidRequest(f"'{self.name}' must be one of {shown}.", field=self.name)
        return value


@dataclass(frozen=True)
class OrderedMapping(Setting):
    """An ordered list of `{"key": ..., "value": ...}` pairs (Autotask's Access Groups: a
    KaseyaOne group to a Security Level; the first match in this order wins, AT-GRP-2). Keys are
    unique; values are among the module's options for `value_options`, where it sent some."""

    kind = "mapping"
    default: object = field(default_factory=list)
    key_label: str = "key"
    value_label: str = "value"
    value_options: str = ""
    max_entries: int = 200

    def labelled_values(self, options: Mapping | None) -> list[tuple[object, str]]:
        """The values a key may map to, each with what to show (the module's options)."""
        return [(o["value"], o["label"]) for o in (options or {}).get(self.value_options) or []]

    def check(self, value, options=None):
        if not isinstance(value, list) or len(value) > self.max_entries:
            raise InvalidRequest(
                f"'{self.name}' must be a list of at most {self.max_entries} "
                '{"key", "value"} pairs.',
                field=self.name,
            )
        allowed = (options or {}).get(self.value_options)
        allowed_values = None if allowed is None else {option["value"] for option in allowed}
        seen, pairs = set(), []
        for pair in value:
            if not isinstance(pair, dict) or set(pair) != {"key", "value"}:
                raise InvalidRequest(
                    f'Each entry of \'{self.name}\' must be {{"key", "value"}}.', field=self.name
                )
            key, mapped = pair["key"], pair["value"]
            if not isinstance(key, str) or not 0 < len(key) <= 64 or key in seen:
                raise InvalidRequest(
                    f"Each {self.key_label} of '{self.name}' must be named once.", field=self.name
                )
            if not isinstance(mapped, str | int | float) or isinstance(mapped, bool):
                raise InvalidRequest(
                    f"Each {self.value_label} of '{self.name}' must be one value, not a list, an "
                    "object, true or false.",
                    field=self.name,
                )
            if allowed_values is not None and mapped not in allowed_values:
                raise InvalidRequest(
                    f"'{mapped}' is not a {self.value_label} of this module.", field=self.name
                )
            seen.add(key)
            pairs.append({"key": key, "value": mapped})
        return pairs


class SettingLocked(Conflict):
    error = "kaseyaone_login_disabled"

    def __init__(self, login_label: str, message: str | None = None, **details) -> None:
        super().__init__(
            message
            or (
                f"{login_label} is off, so the other centralized user management settings are "
                f"off and cannot be changed. Turn {login_label} on first."
            ),
            **details,
        )


class VersionExhausted(Conflict):
    error = "settings_version_exhausted"
    message = (
        f"The settings document is at version {MAX_VERSION}, the highest either side keeps: no "
        "newer version can be made."
    )


class ConfirmationRequired(Conflict):
    error = "confirmation_required"
    message = "This change needs an extra confirmation: send it again with confirmed true."


class MissingRequired(InvalidRequest):
    error = "required_settings_missing"


@dataclass(frozen=True)
class SettingsRules:
    """A module kind's settings, in the order its pages show them; `login` names the login
    setting."""

    settings: tuple[Setting, ...]
    login: str

    def __post_init__(self) -> None:
        names = [s.name for s in self.settings]
        assert len(set(names)) == len(names) and self.login in names

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.settings)

    def get(self, name: str) -> Setting:
        return next(s for s in self.settings if s.name == name)

    @property
    def dependent(self) -> tuple[Setting, ...]:
        return tuple(s for s in self.settings if s.needs_login and s.name != self.login)

    @property
    def defaults(self) -> dict:
        return {s.name: _fresh(s.default) for s in self.settings}

    def changed(self, current: Mapping, changes, options: Mapping | None = None) -> dict:
        """The settings a change would set (only those that differ), as a whole or not at all."""
        if not isinstance(changes, dict) or not changes:
            raise InvalidRequest(f"Send the settings to change: any of {', '.join(self.names)}.")
        unknown = sorted(set(changes) - set(self.names))
        if unknown:
            raise InvalidRequest(
                f"Unknown setting(s): {', '.join(unknown)}. "
                f"The settings are {', '.join(self.names)}.",
                fields=unknown,
            )
        changes = {key: self.get(key).check(value, options) for key, value in changes.items()}
        login = self.get(self.login)
        if not changes.get(self.login, current[self.login]):
            locked = [
                s.name
                for s in self.dependent
                if s.name in changes
                and changes[s.name] != (s.off if s.off is not None else current[s.name])
            ]
            if locked:
                raise SettingLocked(login.label, fields=locked)
            changes |= {s.name: s.off for s in self.dependent if s.off is not None}
        self._require(dict(current) | changes)
        return {k: changes[k] for k in self.names if k in changes and current[k] != changes[k]}

    def from_form(self, form, options: Mapping | None = None) -> dict:
        """The settings a submitted page form sets (a werkzeug MultiDict): a toggle is on when
        its box was ticked; a choice is the value picked ("" for none); a mapping is its rows
        (`<name>.key`, `<name>.value`, `<name>.position`), in the positions given, empty rows
        left out. Settings the form does not show are left as they are."""
        changes: dict = {}
        for setting in self.settings:
            name = setting.name
            if setting.kind == "toggle":
                changes[name] = name in form
            elif setting.kind == "choice" and name in form:
                changes[name] = _picked(setting.labelled(options), form.get(name))
            elif setting.kind == "mapping" and f"{name}.shown" in form:
                changes[name] = _rows(setting, form, options)
        return changes

    def needing_confirmation(self, changed: Mapping) -> list[str]:
        return [
            s.name
            for s in self.settings
            if s.confirm is not None and s.name in changed and changed[s.name] == s.confirm
        ]

    def whole_document(self, current: Mapping, settings, options: Mapping | None = None) -> dict:
        """A settings document the other side sends, taken as a whole (not as a change: the
        other side applied the rules when it was made): known keys, right values, consistent —
        with login off, every dependent toggle off."""
        if not isinstance(settings, dict):
            raise InvalidRequest("'settings' must be an object.")
        unknown = sorted(set(settings) - set(self.names))
        if unknown:
            raise InvalidRequest(f"Unknown setting(s): {', '.join(unknown)}.", fields=unknown)
        document = dict(current) | {
            key: self.get(key).check(value, options) for key, value in settings.items()
        }
        if not document[self.login] and any(
            document[s.name] != s.off for s in self.dependent if s.off is not None
        ):
            raise SettingLocked(
                self.get(self.login).label,
                f"The settings document turns {self.get(self.login).label} off but not "
                "the settings that need it.",
            )
        self._require(document)
        return document

    def _require(self, document: Mapping) -> None:
        missing = [
            s
            for s in self.settings
            if s.required_when is not None
            and document.get(s.required_when[0]) == s.required_when[1]
            and document.get(s.name) in (None, "", [])
        ]
        if missing:
            by = self.get(missing[0].required_when[0])
            raise MissingRequired(
                f"{by.label} needs {', '.join(s.label for s in missing)}.",
                fields=[s.name for s in missing],
            )


def _picked(labelled: list, picked: str):
    """The value a form's pick stands for (forms send text; options may be numbers)."""
    if picked == "":
        return None
    return next((value for value, _ in labelled if str(value) == picked), picked)


def _rows(setting: OrderedMapping, form, options: Mapping | None) -> list:
    keys = form.getlist(f"{setting.name}.key")
    values = form.getlist(f"{setting.name}.value")
    positions = form.getlist(f"{setting.name}.position")
    if not len(keys) == len(values) == len(positions):
        raise InvalidRequest(f"The rows of {setting.label} are incomplete.", field=setting.name)
    value_options = [
        (o["value"], o["label"]) for o in (options or {}).get(setting.value_options) or []
    ]
    rows = []
    for index, (key, value, position) in enumerate(zip(keys, values, positions, strict=True)):
        if not key:
            continue
        try:
            order = int(position) if position else index + 1
        except ValueError:
            raise InvalidRequest(
                f"Each position in {setting.label} must be a whole number.", field=setting.name
            ) from None
        rows.append((order, index, {"key": key, "value": _picked(value_options, value)}))
    return [row for _, _, row in sorted(rows, key=lambda r: (r[0], r[1]))]


def _fresh(value):
    return list(value) if isinstance(value, list) else value


def check_version(version, settings) -> None:
    """A settings document as either side sends it: a version (an integer from 0 to
    MAX_VERSION, which both sides store) and a settings object."""
    if (
        isinstance(version, bool)
        or not isinstance(version, int)
        or not 0 <= version <= MAX_VERSION
        or not isinstance(settings, dict)
    ):
        raise InvalidRequest("Send an integer 'version' (0 to 2^31 - 1) and a 'settings' object.")


def next_version(version: int) -> int:
    """The version a change makes: one the other side accepts, or none (a version pushed at
    MAX_VERSION leaves no newer one; making it anyway would leave the sides apart)."""
    if version >= MAX_VERSION:
        raise VersionExhausted()
    return version + 1


def check_options(rules: SettingsRules, options) -> dict:
    """The choices a module offers for the settings whose values it owns: `{"setting":
    [{"value", "label"}, ...]}`."""
    if options is None:
        return {}
    if not isinstance(options, dict) or not set(options) <= set(rules.names):
        raise InvalidRequest("'options' must name settings of this module.", field="options")
    checked = {}
    for name, offered in options.items():
        if (
            not isinstance(offered, list)
            or len(offered) > MAX_OPTIONS
            or not all(
                isinstance(o, dict)
                and isinstance(o.get("value"), str | int)
                and not isinstance(o.get("value"), bool)
                and isinstance(o.get("label"), str)
                and len(o["label"]) <= 200
                for o in offered
            )
        ):
            raise InvalidRequest(
                f'\'options.{name}\' must be a list of {{"value", "label"}}.', field="options"
            )
        checked[name] = [{"value": o["value"], "label": o["label"]} for o in offered]
    return checked
