"""The embedded target: the simulators (KaseyaOne, UniView, Autotask) started in this process on
free loopback ports and spoken to over real HTTP, each with its own temporary SQLite
database."""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

from sim_common.passwords import FAST


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass  # the journal records every request; a line per request on stderr is noise


@dataclass
class RunningServer:
    name: str
    url: str
    server: object
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@dataclass
class EmbeddedSimulators:
    kaseyaone: RunningServer | None
    uniview: RunningServer | None
    workdir: tempfile.TemporaryDirectory
    ready_seconds: float = 0.0
    autotask: RunningServer | None = None

    def stop(self) -> None:
        for server in (self.autotask, self.uniview, self.kaseyaone):
            if server is not None:
                server.stop()
        self.workdir.cleanup()


def serve(name: str, make_app, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Bind first, so that the app can be told its own public URL."""
    server = make_server(host, port, None, threaded=True, request_handler=_QuietHandler)
    url = f"http://{host}:{server.server_port}"
    server.app = make_app(url)
    thread = threading.Thread(target=server.serve_forever, name=f"embedded-{name}", daemon=True)
    thread.start()
    return RunningServer(name, url, server, thread)


def start_embedded(
    *,
    kaseyaone_url: str | None = None,
    uniview: bool = True,
    autotask: bool = True,
    ports: dict | None = None,
) -> EmbeddedSimulators:
    """Start the simulated KaseyaOne (unless `kaseyaone_url` names a real one) and the
    simulated modules (each unless false: a real module pointed at the simulated hub).
    `ports` fixes a simulator's port, so that a real system configured for it can reach it."""
    ports = ports or {}
    import mock_autotask
    import mock_kaseyaone
    import mock_uniview

    started = time.perf_counter()
    workdir = tempfile.TemporaryDirectory(prefix="k1-embedded-")
    base = Path(workdir.name)
    hub = None
    if kaseyaone_url is None:
        hub = serve(
            "kaseyaone",
            lambda url: mock_kaseyaone.create_app(
                {
                    "DATABASE_URL": f"sqlite:///{base / 'kaseyaone.sqlite3'}",
                    "PUBLIC_URL": url,
                    "PASSWORD_HASH_METHOD": FAST,
                }
            ),
            port=ports.get("kaseyaone", 0),
        )
        kaseyaone_url = hub.url
    module = None
    if uniview:
        module = serve(
            "uniview",
            lambda url: mock_uniview.create_app(
                {
                    "DATABASE_URL": f"sqlite:///{base / 'uniview.sqlite3'}",
                    "PUBLIC_URL": url,
                    "KASEYAONE_URL": kaseyaone_url,
                    "PASSWORD_HASH_METHOD": FAST,
                }
            ),
            port=ports.get("uniview", 0),
        )
    psa = None
    if autotask:
        psa = serve(
            "autotask",
            lambda url: mock_autotask.create_app(
                {
                    "DATABASE_URL": f"sqlite:///{base / 'autotask.sqlite3'}",
                    "PUBLIC_URL": url,
                    "KASEYAONE_URL": kaseyaone_url,
                    "PASSWORD_HASH_METHOD": FAST,
                }
            ),
            port=ports.get("autotask", 0),
        )
    return EmbeddedSimulators(hub, module, workdir, time.perf_counter() - started, psa)
