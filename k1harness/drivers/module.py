"""What the driver of every module (UniView, Autotask) has: its pages under /t/{tenant}/, its
login page and bypass address as a person, a sign-in carried through KaseyaOne's form and back,
the home page and logout, KaseyaOne's launcher in every page's header, the signed-in session,
and the simulator's JSON API with the browser's session, the KaseyaOne integration's first."""

from __future__ import annotations

from dataclasses import dataclass

from .base import ApiResult, SystemDriver, result_of
from .browser import Browser, Page
from .kaseyaone import KaseyaOneDriver


@dataclass
class KaseyaOneSignIn:
    """How a Log In with KaseyaOne attempt went, stage by stage."""

    page: Page  # where the person ended up
    reached_kaseyaone: bool
    kaseyaone_page: Page | None = None  # the page KaseyaOne showed, if the person stayed there
    asked_for_credentials: bool = False  # whether KaseyaOne showed its login form

    @property
    def kaseyaone_error(self) -> str | None:
        page = self.kaseyaone_page
        if page is None:
            return None
        return page.error


def final_page(attempt: KaseyaOneSignIn | Page) -> Page:
    """Where a sign-in, through KaseyaOne or not, left the person."""
    return attempt.page if isinstance(attempt, KaseyaOneSignIn) else attempt


class ModuleDriver(SystemDriver):
    def tenant_url(self, tenant: str, path: str = "") -> str:
        return self.url(f"/t/{tenant}/{path.lstrip('/')}")

    # --- as a person, in a browser

    def login_page(self, browser: Browser, tenant: str) -> Page:
        return browser.open(self.tenant_url(tenant, "login"))

    def log_in_with_credentials(
        self, browser: Browser, tenant: str, username: str, password: str
    ) -> Page:
        return browser.submit(
            self.login_page(browser, tenant), "login", username=username, password=password
        )

    def log_in_through_bypass_url(
        self, browser: Browser, url: str, username: str, password: str
    ) -> Page:
        """The module's own credentials, on the login page its bypass address shows."""
        page = browser.open(url)
        if page.status != 200:
            return page
        return browser.submit(page, "login", username=username, password=password)

    def open_kaseyaone_login(
        self, browser: Browser, tenant: str, login_hint: str | None = None
    ) -> Page:
        """Click Log In with KaseyaOne (the person's email passed on as a login hint)."""
        hint = {"login_hint": login_hint} if login_hint else {}
        return browser.open(self.tenant_url(tenant, "login/kaseyaone"), **hint)

    @staticmethod
    def through_kaseyaone(
        browser: Browser, page: Page, kaseyaone: KaseyaOneDriver, email: str, password: str
    ) -> KaseyaOneSignIn:
        """Carry on a sign-in a module started (from its login page, a tile or the launcher)
        from wherever the browser stopped: KaseyaOne's form, filled in; a KaseyaOne refusal
        with a way back, taken as a person would; or back at the module already, KaseyaOne's
        session having answered."""
        asked = kaseyaone.is_login_page(page)
        if asked:
            page = kaseyaone.submit_login(browser, page, email, password)
        reached = asked or kaseyaone.passed_through(page)
        if not page.url.startswith(kaseyaone.base_url):
            return KaseyaOneSignIn(page, reached, asked_for_credentials=asked)
        back = browser.follow(page, "continue") if page.has_link("continue") else page
        return KaseyaOneSignIn(back, True, kaseyaone_page=page, asked_for_credentials=asked)

    def home(self, browser: Browser, tenant: str) -> Page:
        return browser.open(self.tenant_url(tenant))

    def log_out(self, browser: Browser, tenant: str) -> Page:
        """Log out from the home page, following wherever the module sends the browser."""
        page = self.home(browser, tenant)
        return browser.submit(page, page.form_posting_to("/logout"))

    @staticmethod
    def launcher(page: Page) -> dict:
        """KaseyaOne's launcher in a page's header, the same in every module: `kind` (waffle,
        icon or None), and for the waffle, `home` (My KaseyaOne) and `modules` (module instance
        id -> where it leads); for the icon, `login` (where it leads)."""
        if page.has_link("k1-icon"):
            return {"kind": "icon", "login": page.link("k1-icon")}
        if page.has_link("k1-home"):
            return {
                "kind": "waffle",
                "home": page.link("k1-home"),
                "modules": page.links_starting("k1-module-"),
                "unavailable": page.element_text("k1-unavailable") or None,
            }
        return {"kind": None}

    def current_session(self, browser: Browser, tenant: str) -> dict | None:
        response = browser.http.get(self.tenant_url(tenant, "api/session"), timeout=self.timeout)
        return response.json() if response.status_code == 200 else None

    # --- the simulator's JSON API, with the browser's session

    def api(
        self, browser: Browser, tenant: str, method: str, path: str, json: dict | None = None
    ) -> ApiResult:
        return result_of(
            browser.http.request(
                method, self.tenant_url(tenant, "api/" + path), json=json, timeout=self.timeout
            )
        )

    def add_kaseyaone_integration(
        self, browser: Browser, tenant: str, master_email: str, master_password: str
    ) -> ApiResult:
        return self.api(
            browser,
            tenant,
            "POST",
            "integrations/kaseyaone",
            {"master_email": master_email, "master_password": master_password},
        )

    def integration(self, browser: Browser, tenant: str) -> ApiResult:
        return self.api(browser, tenant, "GET", "integrations/kaseyaone")

    def change_integration_settings(self, browser: Browser, tenant: str, **changes) -> ApiResult:
        return self.api(browser, tenant, "PATCH", "integrations/kaseyaone", changes)
