"""Targets: where each system the suite talks to lives. Each system is either embedded (started
by the harness on a loopback port) or a base URL. A TOML target file names them; command-line
options and environment variables override it. Credentials come from the environment, never
from the file. A target may also name accounts that already exist on the systems (provisioned
accounts, for a deployment the harness cannot seed), the driver that speaks to a system, and a
baseline of the differences known on it.

A key the harness does not know is refused with the ones it knows: a typo must not quietly make
a system embedded, or a capability vanish."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SystemKind:
    """A kind of system the suite can talk to: its name in target files and options, and the
    driver that speaks to it unless a target names another (`driver = "package.module:Class"`).
    A new system is one more entry in SYSTEMS, its driver and its contract."""

    name: str
    title: str
    driver: str
    tenant_in_urls: bool = False  # its pages are per tenant: provisioned accounts name one


SYSTEMS = {
    kind.name: kind
    for kind in (
        SystemKind("kaseyaone", "KaseyaOne", "k1harness.drivers.kaseyaone:KaseyaOneDriver"),
        SystemKind("uniview", "UniView Portal", "k1harness.drivers.uniview:UniViewDriver", True),
        SystemKind("autotask", "Autotask", "k1harness.drivers.autotask:AutotaskDriver", True),
    )
}
# What a simulator's control plane gives; a real deployment has none of it.
SIMULATOR_CAPABILITIES = frozenset({"seeding", "clock", "journal", "faults"})

# The parts provisioned accounts play, by the name a target gives them (`[accounts.<part>]`).
# A scenario tagged `@account_<part>` can run on such an account where the target cannot seed.
ACCOUNT_PARTS = {
    "master_user": "a KaseyaOne master user of the tenant the UniView integration belongs to",
    "superuser": "a UniView superuser of the UniView tenant (the target's [uniview] tenant), "
    "where the KaseyaOne integration has been added",
    "user_with_access": "a KaseyaOne user with access to the UniView module instance and a "
    "UniView account with the same email address (its password: KaseyaOne's)",
    "user_without_access": "a KaseyaOne user without access to the UniView module instance, "
    "with a UniView account (its password: KaseyaOne's)",
    "deactivated_user": "a KaseyaOne user who is deactivated, with access to the UniView module "
    "instance and a UniView account (its password: KaseyaOne's)",
    "user_without_account": "a KaseyaOne user with access to the UniView module instance and "
    "no UniView account (its password: KaseyaOne's)",
    "uniview_administrator": "a UniView user with the role administrator, without an exception "
    "to Require Login (its password: UniView's)",
    "uniview_monitor": "a UniView user with the role monitor, without an exception to Require "
    "Login (its password: UniView's)",
}

TOP_LEVEL_KEYS = {
    "name": "the target's name, shown in reports and skip reasons",
    "baseline": "a TOML file of the differences known on this target (relative to this file)",
    "accounts": "provisioned accounts, one table per part: [accounts.<part>]",
}
SYSTEM_KEYS = {
    "url": "the system's base URL",
    "mode": '"embedded": the harness starts the simulator itself',
    "port": "embedded only: a fixed port (for a real system configured to reach it)",
    "control_token_env": "the environment variable holding the control plane's token",
    "capabilities": "what its control plane offers: any of "
    + ", ".join(sorted(SIMULATOR_CAPABILITIES)),
    "driver": '"package.module:Class", the driver speaking to it (default: the simulator\'s)',
    "tenant": "the tenant the provisioned accounts belong to, where its URLs name one",
}
ACCOUNT_KEYS = {
    "username": "the account's user name (an email address)",
    "password_env": "the environment variable holding its password",
}
MODES = ("embedded",)


class TargetError(Exception):
    pass


@dataclass
class Account:
    part: str
    username: str
    password: str


@dataclass
class SystemTarget:
    name: str
    url: str | None = None  # None: embedded
    control_token: str | None = None
    capabilities: frozenset = SIMULATOR_CAPABILITIES
    port: int = 0  # embedded only: 0 is any free port; fixed, for a real system to reach it
    driver: str | None = None  # "package.module:Class"; None: the system kind's own
    tenant: str | None = None  # where the provisioned accounts are

    @property
    def embedded(self) -> bool:
        return self.url is None


@dataclass
class Target:
    name: str = "embedded"
    systems: dict[str, SystemTarget] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    baseline: Path | None = None
    file: Path | None = None

    @property
    def embedded(self) -> bool:
        """Whether the harness must start any simulator itself."""
        return any(s.embedded for s in self.systems.values())

    @property
    def remote(self) -> bool:
        """Whether any system is addressed by URL (perhaps a real or shared deployment)."""
        return any(not s.embedded for s in self.systems.values())

    def lacking(self, capability: str) -> list[str]:
        """The systems that do not offer `capability`."""
        return [s.name for s in self.systems.values() if capability not in s.capabilities]

    def describe(self) -> str:
        return ", ".join(
            f"{n}={'embedded' if s.embedded else s.url}" for n, s in self.systems.items()
        )


def invoked_path(path: str | os.PathLike, environ=None) -> Path:
    """A path given on the command line, read from where the command was run: run.py moves to
    the project's folder and says where it was in K1_INVOKED_FROM."""
    environ = os.environ if environ is None else environ
    path = Path(path).expanduser()
    if path.is_absolute():
        return path
    return Path(environ.get("K1_INVOKED_FROM") or os.getcwd()) / path


def read_toml(file: Path, what: str, error: type[Exception]) -> dict:
    """A TOML file's contents, or `error` saying it is missing or unreadable."""
    if not file.is_file():
        raise error(f"There is no {what} {file}.")
    try:
        return tomllib.loads(file.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{file} is not valid TOML: {exc}") from exc


def _refuse_unknown(where: str, given, known: dict) -> None:
    unknown = sorted(set(given) - set(known))
    if unknown:
        listed = "\n".join(f"  {key}: {text}" for key, text in known.items())
        raise TargetError(
            f"{where}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}. "
            f"The keys it may have:\n{listed}"
        )


def _table(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise TargetError(f"{where} must be a table ([{where}]), not {value!r}.")
    return value


def _text(spec: dict, key: str, where: str) -> str | None:
    value = spec.get(key)
    if value is not None and not isinstance(value, str):
        raise TargetError(f"{where}: {key} must be a string, not {value!r}.")
    return value


def _capabilities(value, where: str) -> frozenset:
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise TargetError(f'{where}: capabilities must be a list of names, e.g. [] or ["clock"].')
    unknown = sorted(set(value) - SIMULATOR_CAPABILITIES)
    if unknown:
        raise TargetError(
            f"{where}: unknown capabilit{'ies' if len(unknown) > 1 else 'y'} "
            f"{', '.join(unknown)}; the capabilities are "
            f"{', '.join(sorted(SIMULATOR_CAPABILITIES))}."
        )
    return frozenset(value)


def _accounts(data, environ, file) -> dict[str, Account]:
    accounts, unset = {}, []
    parts = _table(data, "accounts")
    _refuse_unknown(f"{file}: [accounts]", parts, ACCOUNT_PARTS)
    for part, spec in parts.items():
        where = f"{file}: [accounts.{part}]"
        spec = _table(spec, f"accounts.{part}")
        if "password" in spec:
            raise TargetError(
                f"{where}: a password must not be written in the target file: name an "
                "environment variable with password_env."
            )
        _refuse_unknown(where, spec, ACCOUNT_KEYS)
        username, variable = _text(spec, "username", where), _text(spec, "password_env", where)
        if not username or not variable:
            raise TargetError(f"{where} needs username and password_env.")
        if environ.get(variable) is None:
            unset.append(f"{variable} (the password of {part})")
            continue
        accounts[part] = Account(part, username, environ[variable])
    if unset:
        raise TargetError(f"{file}: set the environment variable(s) {', '.join(unset)}.")
    return accounts


def load_target(
    path: str | os.PathLike | None = None, *, urls: dict | None = None, environ: dict | None = None
) -> Target:
    """The target file (if any), then `urls` (from options), then K1_<SYSTEM>_URL variables."""
    environ = os.environ if environ is None else environ
    data: dict = {}
    file = invoked_path(path, environ) if path else None
    if file is not None:
        data = read_toml(file, "target file", TargetError)
    known = {**TOP_LEVEL_KEYS, **{s: f"the {k.title} system" for s, k in SYSTEMS.items()}}
    _refuse_unknown(str(file), data, known)
    target = Target(name=data.get("name") or (file.stem if file else ""), file=file)
    if data.get("baseline"):
        target.baseline = file.parent / data["baseline"]
    target.accounts = _accounts(data.get("accounts", {}), environ, file)
    for system in SYSTEMS:
        where = f"{file}: [{system}]"
        spec = _table(data.get(system, {}), system)
        if "control_token" in spec:
            raise TargetError(
                f"[{system}] control_token must not be written in the target file: "
                f"name an environment variable with control_token_env."
            )
        _refuse_unknown(where, spec, SYSTEM_KEYS)
        if spec.get("mode") not in (None, *MODES):
            raise TargetError(f'{where}: mode may only be "embedded" (or give a url instead).')
        url = (urls or {}).get(system) or environ.get(f"K1_{system.upper()}_URL") or spec.get("url")
        if spec.get("mode") == "embedded" and not (urls or {}).get(system):
            url = None
        token_env = spec.get("control_token_env", f"K1_{system.upper()}_CONTROL_TOKEN")
        capabilities = spec.get("capabilities")
        target.systems[system] = SystemTarget(
            name=system,
            url=url.rstrip("/") if url else None,
            control_token=environ.get(token_env),
            capabilities=_capabilities(capabilities, where)
            if capabilities is not None
            else SIMULATOR_CAPABILITIES,
            port=int(spec.get("port", 0)),
            driver=_text(spec, "driver", where),
            tenant=_text(spec, "tenant", where),
        )
    if target.accounts:
        for name, system in target.systems.items():
            cannot_seed = "seeding" not in system.capabilities
            if SYSTEMS[name].tenant_in_urls and cannot_seed and not system.tenant:
                raise TargetError(
                    f"{file}: [{name}] tenant must name the tenant the provisioned accounts "
                    "belong to."
                )
    if not target.name:
        target.name = "embedded" if not target.remote else "command line"
    return target
