"""What a simulator sends (sim_common.journal): every call journalled, through the proxy the
environment names, the environment read once per origin rather than on every call."""

from __future__ import annotations

import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

import mock_uniview
from mock_uniview.models import JournalEntry
from sim_common.db import db
from sim_common.journal import journalled_session


class _Proxy(BaseHTTPRequestHandler):
    """A forward proxy that answers every request itself, saying which URL it was asked for."""

    def do_GET(self):
        body = f"proxied {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def app(tmp_path):
    app = mock_uniview.create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'uv.sqlite3'}"})
    with app.app_context():
        yield app


def test_calls_go_through_the_proxy_the_environment_names_and_are_journalled(
    app, proxy, monkeypatch
):
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "direct.test")
    url = f"http://hub-{secrets.token_hex(3)}.test/api/v1/launcher"
    answer = journalled_session(db, JournalEntry, None).get(url, timeout=5)
    assert answer.text == f"proxied {url}"
    with pytest.raises(requests.ConnectionError):  # NO_PROXY: straight to a name that is not
        journalled_session(db, JournalEntry, None).get("http://direct.test/", timeout=5)
    assert [(e.url, e.status) for e in db().new] == [(url, 200)]


def test_the_environment_is_read_once_per_origin_not_on_every_call(app, proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy)
    read = []
    environ_proxies = requests.utils.get_environ_proxies
    monkeypatch.setattr(
        requests.utils,
        "get_environ_proxies",
        lambda url, no_proxy=None: read.append(url) or environ_proxies(url, no_proxy),
    )
    origin = f"http://hub-{secrets.token_hex(3)}.test"
    for path in ("/a", "/b", "/c?x=1"):
        assert journalled_session(db, JournalEntry, None).get(origin + path, timeout=5).ok
    assert read == [origin + "/"]
