"""Targets: where each system the suite talks to lives. Each system is either embedded (started
by the harness on a loopback port) or a base URL. A TOML target file names them; command-line
options and environment variables override it. Credentials come from the environment, never
from the file."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

SYSTEMS = ("kaseyaone", "uniview", "autotask")
# What a simulator's control plane gives; a real deployment has none of it.
SIMULATOR_CAPABILITIES = frozenset({"seeding", "clock", "journal", "faults"})


class TargetError(Exception):
    pass


@dataclass
class SystemTarget:
    name: str
    url: str | None = None  # None: embedded
    control_token: str | None = None
    capabilities: frozenset = SIMULATOR_CAPABILITIES
    port: int = 0  # embedded only: 0 is any free port; fixed, for a real system to reach it

    @property
    def embedded(self) -> bool:
        return self.url is None


@dataclass
class Target:
    name: str = "embedded"
    systems: dict[str, SystemTarget] = field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        """Whether the harness must start any simulator itself."""
        return any(s.embedded for s in self.systems.values())

    @property
    def remote(self) -> bool:
        """Whether any system is addressed by URL (perhaps a real or shared deployment)."""
        return any(not s.embedded for s in self.systems.values())

    def describe(self) -> str:
        return ", ".join(
            f"{n}={'embedded' if s.embedded else s.url}" for n, s in self.systems.items()
        )


def load_target(
    path: str | os.PathLike | None = None, *, urls: dict | None = None, environ: dict | None = None
) -> Target:
    """The target file (if any), then `urls` (from options), then K1_<SYSTEM>_URL variables."""
    environ = os.environ if environ is None else environ
    data: dict = {}
    if path:
        file = Path(path)
        if not file.is_file():
            raise TargetError(f"There is no target file {file}.")
        try:
            data = tomllib.loads(file.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise TargetError(f"{file} is not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - {"name", *SYSTEMS})
    if unknown:
        raise TargetError(
            f"Unknown target section(s) {', '.join(unknown)}; the systems are {', '.join(SYSTEMS)}."
        )
    target = Target(name=data.get("name") or (Path(path).stem if path else ""))
    for system in SYSTEMS:
        spec = data.get(system, {})
        url = (urls or {}).get(system) or environ.get(f"K1_{system.upper()}_URL") or spec.get("url")
        if spec.get("mode") == "embedded" and not (urls or {}).get(system):
            url = None
        token_env = spec.get("control_token_env", f"K1_{system.upper()}_CONTROL_TOKEN")
        if "control_token" in spec:
            raise TargetError(
                f"[{system}] control_token must not be written in the target file: "
                f"name an environment variable with control_token_env."
            )
        capabilities = spec.get("capabilities")
        target.systems[system] = SystemTarget(
            name=system,
            url=url.rstrip("/") if url else None,
            control_token=environ.get(token_env),
            capabilities=frozenset(capabilities)
            if capabilities is not None
            else SIMULATOR_CAPABILITIES,
            port=int(spec.get("port", 0)),
        )
    if not target.name:
        target.name = "embedded" if not target.remote else "command line"
    return target
