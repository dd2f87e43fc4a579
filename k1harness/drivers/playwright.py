"""A real browser for the person-facing steps (`--browser chromium`): headless Chromium through
Playwright, keeping the Browser contract (k1harness.drivers.contract). One Chromium per process,
a fresh context (its own cookies) for each person of a scenario. Pages are what Chromium shows:
forms are filled in and sent by clicking their button, links clicked, so CSRF tokens, cookies
and Origin headers are the browser's own. JSON calls with a person's session go through the
context's request API, which shares its cookies.

Chromium: Playwright's own where it is installed (`playwright install chromium`), else Debian's
chromium-headless-shell (or chromium) by its path."""

from __future__ import annotations

import json as jsonlib
import os
import shutil
from pathlib import Path
from urllib.parse import urlencode

from requests.structures import CaseInsensitiveDict

from .. import exchanges
from .browser import Page

# Flags for a machine whose network is closed and a user who may be root.
ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DEBIAN_CHROMIUM = (
    "/usr/lib/chromium/chromium-headless-shell",
    "/usr/lib/chromium/headless_shell",
    "/usr/lib/chromium/chromium",
)


def debian_chromium() -> str | None:
    for path in DEBIAN_CHROMIUM:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("chromium-headless-shell") or shutil.which("chromium")


class Chromium:
    """One headless Chromium; `new_browser()` gives a person a fresh context of it."""

    def __init__(self, playwright, browser) -> None:
        self.playwright, self.browser = playwright, browser

    @property
    def version(self) -> str:
        return self.browser.version

    def new_browser(self, timeout: float = 30.0) -> PlaywrightBrowser:
        return PlaywrightBrowser(self.browser.new_context(), timeout)

    def close(self) -> None:
        self.browser.close()
        self.playwright.stop()


def launch_chromium() -> Chromium:
    """Playwright's own Chromium, else Debian's; a RuntimeError saying what to install if
    neither is there."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        raise RuntimeError(
            "--browser chromium needs Playwright: .venv/bin/pip install -e '.[browser]'"
        ) from exc
    playwright = sync_playwright().start()
    args = ARGS + (["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])
    try:
        try:
            browser = playwright.chromium.launch(args=args)
        except Error:
            path = debian_chromium()
            if path is None:
                raise RuntimeError(
                    "No Chromium for --browser chromium: install Playwright's "
                    "(.venv/bin/playwright install chromium) or Debian's "
                    "(apt-get install chromium-headless-shell)."
                ) from None
            browser = playwright.chromium.launch(executable_path=path, args=args)
    except BaseException:
        playwright.stop()
        raise
    return Chromium(playwright, browser)


class _Answer:
    """What Page and steps read of an answer, as requests.Response has it."""

    def __init__(self, url, status, headers, text, history=(), body: bytes | None = None):
        self.url, self.status_code, self.text = url, status, text
        self.headers = CaseInsensitiveDict(headers or {})
        self.history = list(history)
        self.content = body if body is not None else text.encode()

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    def json(self):
        return jsonlib.loads(self.text)


def _hops(response) -> list[_Answer]:
    """The redirects a navigation went through, oldest first, as answers."""
    hops = []
    request = response.request.redirected_from if response is not None else None
    while request is not None:
        answer = request.response()
        if answer is not None:
            hops.append(_Answer(request.url, answer.status, answer.headers, ""))
            _note(request, answer)
        request = request.redirected_from
    return list(reversed(hops))


def _note(request, answer) -> None:
    headers = answer.headers
    exchanges.note(
        request.method,
        request.url,
        answer.status,
        body=request.post_data,
        body_type=request.headers.get("content-type", ""),
        answer_type=headers.get("content-type", ""),
        location=headers.get("location"),
    )


class _ContextHttp:
    """Requests with the context's cookies (its request API), answered requests-style."""

    def __init__(self, context, timeout: float) -> None:
        self.context, self.timeout = context, timeout

    def request(self, method, url, *, params=None, json=None, data=None, headers=None, **how):
        options = {"method": method, "headers": headers or {}, "timeout": self.timeout * 1000}
        if params:
            options["params"] = params
        if json is not None:
            options["data"] = jsonlib.dumps(json)
            options["headers"] = {"Content-Type": "application/json", **options["headers"]}
        elif data is not None:
            options["form"] = data
        if how.get("allow_redirects") is False:
            options["max_redirects"] = 0
        answer = self.context.request.fetch(url, **options)
        body = answer.body()
        text = body.decode("utf-8", "replace")
        exchanges.note(
            method,
            answer.url,
            answer.status,
            body=options.get("data"),
            body_type=options["headers"].get("Content-Type", ""),
            answer_type=answer.headers.get("content-type", ""),
            location=answer.headers.get("location"),
            answer_text=text,
        )
        return _Answer(answer.url, answer.status, answer.headers, text, body=body)

    def get(self, url, **how):
        return self.request("GET", url, **how)

    def post(self, url, **how):
        return self.request("POST", url, **how)

    def close(self) -> None:
        pass


class PlaywrightBrowser:
    """One person in Chromium: a context of their own, one tab."""

    def __init__(self, context, timeout: float = 30.0) -> None:
        self.context, self.timeout = context, timeout
        self.tab = context.new_page()
        self.tab.set_default_timeout(timeout * 1000)
        self.http = _ContextHttp(context, timeout)
        self._shown: Page | None = None
        self._closed = False

    def _page(self, response) -> Page:
        """The page as Chromium shows it now."""
        history = _hops(response)
        status = response.status if response is not None else 200
        headers = response.headers if response is not None else {"content-type": "text/html"}
        if response is not None:
            _note(response.request, response)
        page = Page(_Answer(self.tab.url, status, headers, self.tab.content(), history))
        self._shown = page
        return page

    def _check_shown(self, page: Page) -> None:
        if page is not self._shown:
            raise AssertionError(
                f"The browser no longer shows {page.url}: a person acts on the page in front "
                f"of them ({self.tab.url})."
            )

    def open(self, url: str, **params) -> Page:
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        return self._page(self.tab.goto(url))

    def follow(self, page: Page, link_id: str) -> Page:
        self._check_shown(page)
        page.link(link_id)  # the same AssertionError as requests' browser when it is not there
        with self.tab.expect_navigation() as navigation:
            self.tab.locator(f'a[id="{link_id}"]').click()
        return self._page(navigation.value)

    def submit(self, page: Page, form_id: str, **values) -> Page:
        """Fill in `values` (None: a box left unticked) and click the form's button."""
        self._check_shown(page)
        page.form(form_id)  # the same AssertionError as requests' browser when it is not there
        form = self.tab.locator(f'form[id="{form_id}"]')
        for name, value in values.items():
            self._fill(form, name, value)
        button = form.locator("button:not([type=button]), input[type=submit]")
        with self.tab.expect_navigation() as navigation:
            if button.count():
                button.first.click()
            else:
                form.evaluate("form => form.requestSubmit()")
        return self._page(navigation.value)

    @staticmethod
    def _fill(form, name: str, value) -> None:
        field = form.locator(f'[name="{name}"]')
        if not field.count():
            if value is not None:  # a value the page does not ask for, sent all the same
                form.evaluate(
                    "(form, [name, value]) => { const input = document.createElement('input');"
                    " input.type = 'hidden'; input.name = name; input.value = value;"
                    " form.appendChild(input); }",
                    [name, str(value)],
                )
            return
        field = field.first
        kind = (field.get_attribute("type") or "").lower()
        tag = field.evaluate("element => element.tagName").lower()
        if kind in ("checkbox", "radio"):
            field.set_checked(value not in (None, False, ""))
        elif tag == "select":
            field.select_option(str(value))
        elif kind == "hidden":
            field.evaluate("(element, value) => { element.value = value; }", str(value))
        else:
            field.fill("" if value is None else str(value))

    def screenshot(self, path: Path) -> Path | None:
        """What the person sees now, if the tab has shown anything."""
        if self._closed or self.tab.url in ("", "about:blank"):
            return None
        self.tab.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.context.close()
