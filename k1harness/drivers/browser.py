"""A browser-like client on `requests.Session`: follows redirects, reads a page's forms, links
and error box, and submits forms as a browser would (hidden fields included)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

from ..exchanges import recorded_session


@dataclass
class Form:
    id: str | None
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.links: dict[str, str] = {}
        self.data_attrs: dict[str, dict] = {}
        self.texts: dict[str, list[str]] = {}
        self._open_ids: list[str] = []
        self._select: tuple[str, bool] | None = None  # its name; whether an option is chosen

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                Form(a.get("id"), a.get("action") or "", (a.get("method") or "get").lower())
            )
        elif tag == "option" and self._select is not None and self.forms:
            # A browser sends the selected option's value, or the first option's.
            name, chosen = self._select
            value = a.get("value", "")
            if "selected" in a or not chosen and name not in self.forms[-1].fields:
                self.forms[-1].fields[name] = value
                self._select = (name, chosen or "selected" in a)
        elif tag == "select" and self.forms and a.get("name") and "disabled" not in a:
            self._select = (a["name"], False)
        elif tag in ("input", "textarea") and self.forms and a.get("name"):
            kind = (a.get("type") or "").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if "disabled" in a:
                return
            self.forms[-1].fields[a["name"]] = a.get("value") or (
                "on" if kind == "checkbox" else ""
            )
        elif tag == "a" and a.get("id"):
            self.links[a["id"]] = a.get("href") or ""
        if a.get("id"):
            self.data_attrs[a["id"]] = {k[5:]: v for k, v in a.items() if k.startswith("data-")}
            self.texts.setdefault(a["id"], [])
            self._open_ids.append(a["id"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None

    def handle_data(self, data):
        for element_id in self._open_ids:
            self.texts[element_id].append(data)


@dataclass
class Page:
    response: requests.Response

    def __post_init__(self) -> None:
        parser = _PageParser()
        if "html" in self.response.headers.get("Content-Type", ""):
            parser.feed(self.response.text)
        self._parser = parser

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def url(self) -> str:
        return self.response.url

    @property
    def text(self) -> str:
        return self.response.text

    @property
    def error(self) -> str | None:
        """The error code of the page's error box, if it shows one."""
        return self._parser.data_attrs.get("error", {}).get("error")

    def form(self, form_id: str) -> Form:
        for form in self._parser.forms:
            if form.id == form_id:
                return form
        raise AssertionError(f"The page at {self.url} ({self.status}) has no form '{form_id}'.")

    def has_form(self, form_id: str) -> bool:
        return any(form.id == form_id for form in self._parser.forms)

    def has_link(self, link_id: str) -> bool:
        return link_id in self._parser.links

    def links_starting(self, prefix: str) -> dict[str, str]:
        """The links whose ids start with `prefix`, by the rest of the id."""
        return {
            link_id[len(prefix) :]: urljoin(self.url, href)
            for link_id, href in self._parser.links.items()
            if link_id.startswith(prefix)
        }

    def form_posting_to(self, path_end: str) -> Form:
        """The form whose action ends with `path_end` (for forms without an id)."""
        for form in self._parser.forms:
            if form.action.split("?", 1)[0].endswith(path_end):
                return form
        raise AssertionError(f"The page at {self.url} has no form posting to '{path_end}'.")

    @property
    def visited(self) -> list[str]:
        """Every URL the browser went through to this page, redirects included, in order."""
        return [hop.url for hop in self.response.history] + [self.url]

    def link(self, link_id: str) -> str:
        if link_id not in self._parser.links:
            raise AssertionError(f"The page at {self.url} ({self.status}) has no link '{link_id}'.")
        return urljoin(self.url, self._parser.links[link_id])

    def data(self, element_id: str) -> dict:
        return self._parser.data_attrs.get(element_id, {})

    def elements(self, prefix: str) -> dict[str, dict]:
        """Every element whose id starts with `prefix`: id -> its data attributes."""
        return {k: v for k, v in self._parser.data_attrs.items() if k.startswith(prefix)}

    def element_text(self, element_id: str) -> str:
        return " ".join("".join(self._parser.texts.get(element_id, [])).split())


class Browser:
    """One person's browser: its own cookies."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.http = recorded_session()
        self.timeout = timeout

    def open(self, url: str, *, follow_redirects: bool = True, **params) -> Page:
        """Open a URL; without following redirects, the page is the first answer (where a
        redirect leads to a client that does not listen, say)."""
        return Page(
            self.http.get(
                url,
                params=params or None,
                timeout=self.timeout,
                allow_redirects=follow_redirects,
            )
        )

    def follow(self, page: Page, link_id: str) -> Page:
        return self.open(page.link(link_id))

    def submit(
        self, page: Page, form: str | Form, *, follow_redirects: bool = True, **values
    ) -> Page:
        """Its fields as the page has them (hidden ones, such as a CSRF token, included), with
        `values` typed in (None: a box left unticked); a POST says which page's origin it comes
        from, as browsers do."""
        form = page.form(form) if isinstance(form, str) else form
        data = {k: v for k, v in {**form.fields, **values}.items() if v is not None}
        url = urljoin(page.url, form.action) if form.action else page.url
        if form.method == "post":
            parts = urlsplit(page.url)
            origin = {"Origin": f"{parts.scheme}://{parts.netloc}"}
            return Page(
                self.http.post(
                    url,
                    data=data,
                    headers=origin,
                    timeout=self.timeout,
                    allow_redirects=follow_redirects,
                )
            )
        return Page(
            self.http.get(url, params=data, timeout=self.timeout, allow_redirects=follow_redirects)
        )

    def close(self) -> None:
        self.http.close()
