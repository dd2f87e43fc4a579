"""What steps may ask of each system and of a browser: the drivers' contract, as typed
Protocols. The simulators' drivers (KaseyaOneDriver, UniViewDriver) are one implementation; a
module team runs the same features against their real module by writing another (a class that
subclasses ours and replaces what differs is the short way) and naming it in the target file:
`driver = "package.module:Class"`. The harness checks a driver against its system's contract
when it starts; tests/test_driver_contract.py holds the behaviours every driver must show.

Steps use nothing but what is declared here: adding a method is one line in the Protocol and
its implementation in each driver."""

from __future__ import annotations

import importlib
import inspect
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Form(Protocol):
    id: str | None
    action: str
    method: str
    fields: dict[str, str]  # what the browser would send: hidden fields, ticked boxes


@runtime_checkable
class Page(Protocol):
    """A page a person sees, whichever browser shows it. Elements are found by id; the page's
    error box (id `error`) says what went wrong in `data-error`."""

    @property
    def status(self) -> int: ...
    @property
    def url(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def error(self) -> str | None: ...
    def form(self, form_id: str) -> Form: ...
    def has_form(self, form_id: str) -> bool: ...
    def has_link(self, link_id: str) -> bool: ...
    def link(self, link_id: str) -> str: ...
    def data(self, element_id: str) -> dict: ...
    def element_text(self, element_id: str) -> str: ...


@runtime_checkable
class Http(Protocol):
    """Requests with a browser's cookies, answered with `requests.Response`-like objects
    (`status_code`, `headers`, `text`, `content`, `json()`)."""

    def request(self, method: str, url: str, **kwargs) -> Any: ...
    def get(self, url: str, **kwargs) -> Any: ...


@runtime_checkable
class Browser(Protocol):
    """One person's browser: its own cookies. `submit` fills in `values` (a value of None
    leaves a box unticked) and sends the form as the page has it, hidden fields included."""

    http: Http

    def open(self, url: str, **params) -> Page: ...
    def follow(self, page: Page, link_id: str) -> Page: ...
    # The form: its id (a driver may also take a Form); positional, whatever the name.
    def submit(self, page: Page, form: str, /, **values) -> Page: ...
    def close(self) -> None: ...


@runtime_checkable
class ControlPlane(Protocol):
    """A simulator's control plane (what a target's capabilities say it offers); a driver of a
    real system without one inherits SystemDriver's and declares `capabilities = []`."""

    base_url: str

    def ready(self, control_plane: bool = True) -> bool: ...
    def control_authorized(self) -> bool: ...
    def create_tenant(self, name: str, **seed) -> dict: ...
    def delete_tenant(self, tenant_id: str) -> None: ...
    def advance_clock(self, tenant_id: str, seconds: float) -> dict: ...
    def journal(self, tenant_id: str) -> list[dict]: ...
    def inject_fault(self, tenant_id: str, kind: str, count: int = 1, **how) -> dict: ...
    def outbox(self, tenant_id: str) -> list[dict]: ...
    def run_jobs(self, tenant_id: str) -> dict: ...


@runtime_checkable
class KaseyaOneAdmin(Protocol):
    """KaseyaOne's administration as one master user: answers are ApiResult (status, body)."""

    def create_user(self, email: str, name: str, password: str, groups=()) -> Any: ...
    def user(self, user_id: str) -> Any: ...
    def delete_user(self, user_id: str) -> Any: ...
    def deactivate_user(self, user_id: str) -> Any: ...
    def activate_user(self, user_id: str) -> Any: ...
    def module_instances(self) -> Any: ...
    def module_settings(self, instance_id: str) -> Any: ...
    def change_module_settings(
        self, instance_id: str, confirmed: bool = False, **changes
    ) -> Any: ...
    def groups(self) -> Any: ...
    def create_group(self, name: str) -> Any: ...
    def rename_group(self, group_id: str, name: str) -> Any: ...
    def delete_group(self, group_id: str) -> Any: ...
    def add_group_member(self, group_id: str, user_id: str) -> Any: ...
    def remove_group_member(self, group_id: str, user_id: str) -> Any: ...
    def grant_module_access(self, instance_id: str, user_id: str) -> Any: ...
    def withdraw_module_access(self, instance_id: str, user_id: str) -> Any: ...


@runtime_checkable
class KaseyaOne(ControlPlane, Protocol):
    """The hub: its OpenID Connect provider from outside, its login form, its administration."""

    def admin(self, email: str, password: str) -> KaseyaOneAdmin: ...
    def is_login_page(self, page: Page) -> bool: ...
    def submit_login(self, browser: Browser, page: Page, email: str, password: str) -> Page: ...
    def change_in_module_management(
        self,
        browser: Browser,
        email: str,
        password: str,
        instance_id: str,
        confirmed: bool = False,
        **changes,
    ) -> Any: ...
    def discovery(self) -> dict: ...
    def jwks(self) -> dict: ...
    def token_request(self, client_id: str, client_secret: str) -> Any: ...
    def authorization_request(self, client_id: str, redirect_uri: str) -> Any: ...
    def userinfo_request(self, access_token: str | None = None) -> Any: ...


@runtime_checkable
class UniView(ControlPlane, Protocol):
    """The UniView Portal module: as a person in a browser, and its configuration as a signed-in
    superuser (answers are ApiResult: status, body)."""

    def login_page(self, browser: Browser, tenant: str) -> Page: ...
    def log_in_with_credentials(
        self, browser: Browser, tenant: str, username: str, password: str
    ) -> Page: ...
    def log_in_through_link(
        self, browser: Browser, link: str, username: str, password: str
    ) -> Page: ...
    def log_in_with_kaseyaone(
        self, browser: Browser, tenant: str, kaseyaone: KaseyaOne, email: str, password: str
    ) -> Any: ...
    def open_kaseyaone_login(
        self, browser: Browser, tenant: str, login_hint: str | None = None
    ) -> Page: ...
    def made_up_link_like(self, link: str, secret: str) -> str: ...
    def scim_journal(self, tenant: str) -> list[dict]: ...
    def current_session(self, browser: Browser, tenant: str) -> dict | None: ...
    def integrations_page(self, browser: Browser, tenant: str) -> Page: ...
    def add_kaseyaone_integration(
        self, browser: Browser, tenant: str, master_email: str, master_password: str
    ) -> Any: ...
    def integration(self, browser: Browser, tenant: str) -> Any: ...
    def change_integration_settings(self, browser: Browser, tenant: str, **changes) -> Any: ...
    def grant_login_exception(self, browser: Browser, tenant: str, username: str) -> Any: ...
    def withdraw_login_exception(self, browser: Browser, tenant: str, username: str) -> Any: ...
    def integration_users(self, browser: Browser, tenant: str, fmt: str = "json") -> Any: ...
    def reset_integration(self, browser: Browser, tenant: str) -> Any: ...
    def users(self, browser: Browser, tenant: str) -> Any: ...
    def create_user(
        self, browser: Browser, tenant: str, username: str, name: str, role: str, password: str
    ) -> Any: ...
    def change_user(self, browser: Browser, tenant: str, username: str, **changes) -> Any: ...
    def groups(self, browser: Browser, tenant: str) -> Any: ...
    def groups_page(self, browser: Browser, tenant: str) -> Page: ...
    def add_group(self, browser: Browser, tenant: str, name: str) -> Any: ...
    def rename_group(self, browser: Browser, tenant: str, group_id: str, name: str) -> Any: ...
    def remove_group(self, browser: Browser, tenant: str, group_id: str) -> Any: ...
    def user_groups(self, browser: Browser, tenant: str, username: str) -> Any: ...
    def set_user_groups(
        self, browser: Browser, tenant: str, username: str, group_ids: list[str]
    ) -> Any: ...
    def organizations(self, browser: Browser, tenant: str) -> Any: ...
    def add_organization(
        self, browser: Browser, tenant: str, name: str, *, groups=(), appliances=(), backups=()
    ) -> Any: ...
    def edit_organization(
        self, browser: Browser, tenant: str, organization_id: str, **changes
    ) -> Any: ...
    def organizations_page(self, browser: Browser, tenant: str) -> Page: ...
    def visible_organizations(self, browser: Browser, tenant: str) -> Any: ...


# Each system's contract, by its name in SYSTEMS (k1harness.targets).
CONTRACTS: dict[str, type] = {"kaseyaone": KaseyaOne, "uniview": UniView}


def members(protocol: type) -> dict[str, object]:
    """The attributes and methods a Protocol declares, its bases' included."""
    declared: dict[str, object] = {}
    for klass in reversed(protocol.__mro__):
        if klass is object or klass is Protocol or not getattr(klass, "_is_protocol", False):
            continue
        for name in getattr(klass, "__annotations__", {}):
            declared[name] = None
        for name, value in vars(klass).items():
            if not name.startswith("_") and (callable(value) or isinstance(value, property)):
                declared[name] = value
    return declared


def _accepts(implementation, declared) -> str | None:
    """Why `implementation` cannot be called as `declared` is, if it cannot. A parameter the
    Protocol declares positional-only (before `/`) may have any name in the implementation."""
    try:
        given = inspect.signature(implementation)
    except (TypeError, ValueError):
        return None
    wanted = list(inspect.signature(declared).parameters.values())[1:]  # without self
    params = list(given.parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    positional = [q for q in params if q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD)]
    by_position = [w for w in wanted if w.kind is w.POSITIONAL_ONLY]
    covered = {q.name for q in positional[: len(by_position)]}
    names = {p.name for p in params}
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params)
    var_pos = any(p.kind is p.VAR_POSITIONAL for p in params)
    if len(positional) < len(by_position) and not var_pos:
        return f"takes fewer than {len(by_position)} arguments"
    for p in wanted:
        if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            if not any(q.kind is p.kind for q in params):
                return f"takes no {'**' if p.kind is p.VAR_KEYWORD else '*'}{p.name}"
        elif p.kind is not p.POSITIONAL_ONLY and p.name not in names and not var_kw:
            return f"has no parameter {p.name}"
    extra = [
        p.name
        for p in params
        if p.name not in {w.name for w in wanted} | covered
        and p.default is p.empty
        and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    ]
    if extra:
        return f"needs {', '.join(extra)}, which steps do not give"
    return None


def contract_problems(driver: type, protocol: type) -> list[str]:
    """What `driver` (a class) lacks of `protocol`'s methods, in words; [] when it keeps them.
    Data attributes (`base_url`, `http`) are set by a constructor: isinstance checks them on
    an instance."""
    problems = []
    for name, declared in members(protocol).items():
        if declared is None:
            continue
        if not hasattr(driver, name):
            problems.append(f"{name} is missing")
        elif not isinstance(declared, property):
            why = _accepts(getattr(driver, name), declared)
            if why:
                problems.append(f"{name} {why}")
    return problems


class DriverLoadError(Exception):
    pass


def load_driver(spec: str, system: str) -> type:
    """The driver class `package.module:Class` names, checked against `system`'s contract."""
    module_name, _, class_name = spec.partition(":")
    if not module_name or not class_name:
        raise DriverLoadError(f'[{system}] driver must be "package.module:Class", not {spec!r}.')
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise DriverLoadError(
            f"[{system}] driver {spec}: cannot import {module_name}: {exc}"
        ) from exc
    driver = getattr(module, class_name, None)
    if not isinstance(driver, type):
        raise DriverLoadError(f"[{system}] driver {spec}: {module_name} has no class {class_name}.")
    problems = contract_problems(driver, CONTRACTS[system])
    if problems:
        raise DriverLoadError(
            f"[{system}] driver {spec} does not keep the {system} contract "
            f"(k1harness.drivers.contract.{CONTRACTS[system].__name__}): " + "; ".join(problems)
        )
    return driver
