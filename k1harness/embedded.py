"""The embedded target: both simulators started in this process on free loopback ports and
spoken to over real HTTP, each with its own temporary SQLite database."""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug.serving import make_server

from sim_common.passwords import FAST


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
    kaseyaone: RunningServer
    uniview: RunningServer
    workdir: tempfile.TemporaryDirectory
    ready_seconds: float = 0.0
    servers: list = field(default_factory=list)

    def stop(self) -> None:
        for server in (self.uniview, self.kaseyaone):
            server.stop()
        self.workdir.cleanup()


def serve(name: str, make_app, host: str = "127.0.0.1") -> RunningServer:
    """Bind first, so that the app can be told its own public URL."""
    server = make_server(host, 0, None, threaded=True)
    url = f"http://{host}:{server.server_port}"
    server.app = make_app(url)
    thread = threading.Thread(target=server.serve_forever, name=f"embedded-{name}", daemon=True)
    thread.start()
    return RunningServer(name, url, server, thread)


def start_embedded() -> EmbeddedSimulators:
    import mock_kaseyaone
    import mock_uniview

    started = time.perf_counter()
    workdir = tempfile.TemporaryDirectory(prefix="k1-embedded-")
    base = Path(workdir.name)
    kaseyaone = serve("kaseyaone", lambda url: mock_kaseyaone.create_app({
        "DATABASE_URL": f"sqlite:///{base / 'kaseyaone.sqlite3'}", "PUBLIC_URL": url,
        "PASSWORD_HASH_METHOD": FAST}))
    uniview = serve("uniview", lambda url: mock_uniview.create_app({
        "DATABASE_URL": f"sqlite:///{base / 'uniview.sqlite3'}", "PUBLIC_URL": url,
        "KASEYAONE_URL": kaseyaone.url, "PASSWORD_HASH_METHOD": FAST}))
    return EmbeddedSimulators(kaseyaone, uniview, workdir, time.perf_counter() - started)
