"""The KaseyaOne driver: its admin API as a master user, its login form and home page (the
tiles) as a person, and the control plane's signing keys."""

from __future__ import annotations

import requests

from .base import ApiResult, SystemDriver, result_of
from .browser import Browser, Page

LOGIN_FORM = "login"


class KaseyaOneAdmin:
    """KaseyaOne's admin API, as one master user."""

    def __init__(self, driver: KaseyaOneDriver, email: str, password: str) -> None:
        self.driver = driver
        self.auth = (email, password)

    def call(
        self, method: str, path: str, json: dict | None = None, params: dict | None = None
    ) -> ApiResult:
        response = self.driver.http.request(
            method,
            self.driver.url("/api/v1" + path),
            json=json,
            params=params,
            auth=self.auth,
            timeout=self.driver.timeout,
        )
        return result_of(response)

    def create_user(self, email: str, name: str, password: str, groups=()) -> ApiResult:
        return self.call(
            "POST",
            "/users",
            {"email": email, "name": name, "password": password, "groups": list(groups)},
        )

    def users(self) -> ApiResult:
        return self.call("GET", "/users")

    def user(self, user_id: str) -> ApiResult:
        return self.call("GET", f"/users/{user_id}")

    def delete_user(self, user_id: str) -> ApiResult:
        return self.call("DELETE", f"/users/{user_id}")

    def deactivate_user(self, user_id: str) -> ApiResult:
        return self.call("POST", f"/users/{user_id}/deactivate")

    def activate_user(self, user_id: str) -> ApiResult:
        return self.call("POST", f"/users/{user_id}/activate")

    def module_instances(self) -> ApiResult:
        return self.call("GET", "/module-instances")

    def module_settings(self, instance_id: str) -> ApiResult:
        """Module Management: a module instance's settings, version and syncing state."""
        return self.call("GET", f"/module-instances/{instance_id}/settings")

    def change_module_settings(
        self, instance_id: str, confirmed: bool = False, **changes
    ) -> ApiResult:
        """Module Management: Edit, change settings, Review, (confirm,) Confirm."""
        return self.call(
            "PATCH",
            f"/module-instances/{instance_id}/settings",
            {"changes": changes, "confirmed": confirmed},
        )

    def groups(self) -> ApiResult:
        return self.call("GET", "/groups")

    def create_group(self, name: str) -> ApiResult:
        return self.call("POST", "/groups", {"name": name})

    def rename_group(self, group_id: str, name: str) -> ApiResult:
        return self.call("PATCH", f"/groups/{group_id}", {"name": name})

    def delete_group(self, group_id: str) -> ApiResult:
        return self.call("DELETE", f"/groups/{group_id}")

    def add_group_member(self, group_id: str, user_id: str) -> ApiResult:
        return self.call("PUT", f"/groups/{group_id}/members/{user_id}")

    def remove_group_member(self, group_id: str, user_id: str) -> ApiResult:
        return self.call("DELETE", f"/groups/{group_id}/members/{user_id}")

    def grant_module_access(self, instance_id: str, user_id: str) -> ApiResult:
        return self.call("PUT", f"/module-instances/{instance_id}/users/{user_id}")

    def withdraw_module_access(self, instance_id: str, user_id: str) -> ApiResult:
        return self.call("DELETE", f"/module-instances/{instance_id}/users/{user_id}")

    def sign_out_everywhere(self, user_id: str) -> ApiResult:
        """End the user's KaseyaOne sessions and revoke their tokens."""
        return self.call("DELETE", f"/users/{user_id}/sessions")

    def register_module_instance(self, module: str, name: str, **metadata) -> ApiResult:
        """A module instance, as a module adding its integration registers one: `metadata` is
        its client metadata (redirect_uris, post_logout_redirect_uris, initiate_login_uri)."""
        return self.call("POST", "/module-instances", {"module": module, "name": name, **metadata})

    # --- Cooper

    def insights(self, which: str = "todo", modules=()) -> ApiResult:
        """One of Cooper's lists (todo, snoozed, completed), of these module kinds only if any."""
        return self.call("GET", "/cooper/insights", params={"list": which, "module": list(modules)})

    def snooze_insight(self, insight_id: str) -> ApiResult:
        return self.call("POST", f"/cooper/insights/{insight_id}/snooze")


class KaseyaOneDriver(SystemDriver):
    def admin(self, email: str, password: str) -> KaseyaOneAdmin:
        return KaseyaOneAdmin(self, email, password)

    def is_login_page(self, page: Page) -> bool:
        return page.url.startswith(self.base_url) and page.has_form(LOGIN_FORM)

    def submit_login(self, browser: Browser, page: Page, email: str, password: str, **how) -> Page:
        return browser.submit(page, LOGIN_FORM, email=email, password=password, **how)

    def passed_through(self, page: Page) -> bool:
        """Whether the browser went through KaseyaOne on its way to this page."""
        return any(url.startswith(self.base_url) for url in page.visited)

    # --- KaseyaOne as a portal, as a person: its own session and the tiles

    def home(self, browser: Browser) -> Page:
        """KaseyaOne's home page: the tiles when signed in, its sign-in page otherwise."""
        return browser.open(self.url("/"))

    def sign_in(self, browser: Browser, email: str, password: str) -> Page:
        """Sign in on KaseyaOne's own sign-in page."""
        return self.submit_login(browser, browser.open(self.url("/login")), email, password)

    def sign_out(self, browser: Browser) -> Page:
        page = self.home(browser)
        return browser.submit(page, page.form_posting_to("/logout"))

    @staticmethod
    def signed_in_as(page: Page) -> str | None:
        """The email address of the person KaseyaOne's page says is signed in, if any."""
        return page.data("signed-in-as").get("email")

    @staticmethod
    def tiles(page: Page) -> dict[str, str]:
        """The tiles of KaseyaOne's home page: module instance id -> where the tile leads."""
        return page.links_starting("tile-")

    # --- Admin Settings as a master user, in a browser

    def module_management(self, browser: Browser, email: str, password: str) -> Page:
        """Admin Settings > Module Management (the list of module instances), signing in to
        Admin Settings first if the browser is not."""
        page = browser.open(self.url("/admin/modules"))
        if page.has_form("admin-login"):
            page = browser.submit(page, "admin-login", email=email, password=password)
        return page

    def module_details(self, browser: Browser, instance_id: str, edit: bool = False) -> Page:
        """A module instance's details in Module Management (signed in to Admin Settings); with
        `edit`, after clicking Edit: the settings as a form, with the values each may take."""
        page = browser.open(self.url(f"/admin/modules/{instance_id}"))
        return browser.follow(page, "edit-link") if edit else page

    # --- the control plane's signing keys (the hub's, not a tenant's)

    def signing_keys(self) -> dict:
        return self.control("GET", "/keys")

    def rotate_signing_key(self, overlap_seconds: float) -> dict:
        return self.control("POST", "/keys/rotate", {"overlap_seconds": overlap_seconds})

    # --- Cooper as a master user sees it, signed in to Admin Settings

    def sign_in_to_admin(self, browser: Browser, email: str, password: str) -> Page:
        page = browser.open(self.url("/admin/login"))
        return browser.submit(page, "admin-login", email=email, password=password)

    def cooper_page(self, browser: Browser, which: str = "todo") -> Page:
        return browser.open(self.url("/cooper"), list=which)

    def filter_cooper(self, browser: Browser, page: Page, source: str) -> Page:
        """Tick the module called `source` (e.g. "Unitrends Module") in the filter, Apply."""
        ticked = [key for key, data in page.elements("module-").items() if data["source"] == source]
        if not ticked:
            raise AssertionError(
                f"Cooper's filter offers no {source!r}: {page.elements('module-')}"
            )
        return browser.submit(page, "filter", module=page.elements("module-")[ticked[0]]["module"])

    @staticmethod
    def insights_on(page: Page) -> dict[str, str]:
        """The insights a Cooper page lists: name -> element id of its link."""
        return {data["name"]: key for key, data in page.elements("insight-").items()}

    def open_insight(self, browser: Browser, page: Page, name: str) -> Page:
        listed = self.insights_on(page)
        if name not in listed:
            raise AssertionError(f"Cooper lists no {name!r} here: {sorted(listed)}")
        return browser.follow(page, listed[name])

    def rule_evaluations(self, tenant_id: str) -> list[dict]:
        """The control plane's account of every rule's last evaluation, per module instance."""
        return self.control("GET", f"/tenants/{tenant_id}/insights")["module_instances"]

    # --- Admin Settings > Module Management, as a person, in pages

    def change_in_module_management(
        self,
        browser: Browser,
        email: str,
        password: str,
        instance_id: str,
        confirmed: bool = False,
        **changes,
    ) -> ApiResult:
        """Sign in to Admin Settings, open the module instance, Edit, change settings, Review,
        tick the extra confirmation where asked and `confirmed`, Confirm. The answer: the last
        page's status and the error its error box shows, if any."""
        page = browser.open(self.url("/admin/login"))
        page = browser.submit(page, "admin-login", email=email, password=password)
        if page.error is None:
            page = browser.open(self.url(f"/admin/modules/{instance_id}"), edit="1")
            values = {
                k: ("on" if v else None) if isinstance(v, bool) else v for k, v in changes.items()
            }
            page = browser.submit(page, "edit", **values)
        if page.error is None and page.has_form("confirm"):
            ticked = {"confirmed": "on"} if confirmed and "confirmed" in page.text else {}
            page = browser.submit(page, "confirm", **ticked)
        return ApiResult(page.status, {"error": page.error} if page.error else {})

    def discovery(self) -> dict:
        return self.http.get(
            self.url("/.well-known/openid-configuration"), timeout=self.timeout
        ).json()

    # --- the OpenID Connect provider from the outside, as any client sees it

    def jwks(self) -> dict:
        return self.http.get(self.discovery()["jwks_uri"], timeout=self.timeout).json()

    def token_request(self, client_id: str, client_secret: str) -> requests.Response:
        """An authorization-code token request (RFC 6749 §4.1.3) as the given client."""
        return self.http.post(
            self.discovery()["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": "made-up-code",
                "redirect_uri": "https://client.invalid/callback",
                "code_verifier": "v" * 43,
            },
            auth=(client_id, client_secret),
            timeout=self.timeout,
        )

    def authorization_request(self, client_id: str, redirect_uri: str) -> requests.Response:
        """A browser's first request of a sign-in (RFC 6749 §4.1.1, PKCE S256), not following
        any redirect."""
        return self.http.get(
            self.discovery()["authorization_endpoint"],
            params={
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": "openid email",
                "state": "s" * 16,
                "nonce": "n" * 16,
                "code_challenge": "c" * 43,
                "code_challenge_method": "S256",
            },
            allow_redirects=False,
            timeout=self.timeout,
        )

    def userinfo_request(self, access_token: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
        return self.http.get(
            self.discovery()["userinfo_endpoint"], headers=headers, timeout=self.timeout
        )
