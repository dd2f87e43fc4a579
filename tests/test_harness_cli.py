"""The harness refuses mistakes and cleans up after itself, as a new user meets it through
run.py: the commands it has, the suite's own help, a relative --target read from where the
command was run, and `serve` stopping every process it started and removing its state folder
within two seconds of SIGINT, SIGTERM or Ctrl-C; its pages are to be opened on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from k1harness.served import free_port

ROOT = Path(__file__).resolve().parents[1]
RUN = [sys.executable, str(ROOT / "run.py")]


def run(*args, cwd=ROOT, timeout=120):
    return subprocess.run([*RUN, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("args", [(), ("sweet",)])
def test_run_py_without_a_known_command_says_which_commands_exist(args):
    done = run(*args)
    assert done.returncode == 2
    for command in ("suite", "test", "serve", "lint"):
        assert f"python3 run.py {command}" in done.stderr
    if args:
        assert "Unknown command 'sweet'" in done.stderr


def test_suite_help_shows_the_harness_options_first_and_says_how_to_see_pytests():
    done = run("suite", "--help")
    assert done.returncode == 0
    text = done.stdout
    positions = [text.index(option) for option in ("--served", "--browser", "--baseline")]
    assert positions and "--target" in text and "--allow-destructive" in text
    assert "--pytest-help" in text
    assert "--junit-xml" not in text  # pytest's own options are one command away
    assert len(text.splitlines()) < 60


def test_pytest_help_is_one_option_away():
    done = run("suite", "--pytest-help")
    assert done.returncode == 0 and "--junit-xml" in done.stdout


def test_a_relative_target_is_read_from_where_the_command_was_run(tmp_path):
    (tmp_path / "mine.toml").write_text(
        'name = "from-elsewhere"\n[kaseyaone]\nurl = "http://127.0.0.1:9"\ncapabilities = []\n'
    )
    done = run(
        "suite",
        "--reports",
        str(tmp_path / "reports"),
        "--target",
        "mine.toml",
        "--collect-only",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "target from-elsewhere" in done.stdout


def _descendants(pid: int) -> set[int]:
    """The processes started by `pid`, however deep, and those in process groups they lead."""
    parents: dict[int, int] = {}
    groups: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)], groups[int(entry.name)] = int(fields[1]), int(fields[2])
    found, changed = {pid}, True
    while changed:
        before = len(found)
        found |= {p for p, parent in parents.items() if parent in found}
        found |= {p for p, group in groups.items() if group in found}
        changed = len(found) != before
    return found - {pid}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def serving():
    """`python3 run.py serve` on free ports, in a session of its own (like a terminal's)."""
    ports = [free_port(), free_port()]
    process = subprocess.Popen(
        [*RUN, "serve", "--kaseyaone-port", str(ports[0]), "--uniview-port", str(ports[1])],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    printed = []
    for line in process.stdout:
        printed.append(line)
        if "Ctrl-C to stop" in line:
            break
    children = _descendants(process.pid)
    for _ in range(200):  # gunicorn forks its workers after it answers: wait for all six
        if len(children) >= 6:
            break
        time.sleep(0.05)
        children = _descendants(process.pid)
    try:
        yield process, "".join(printed), children
    finally:
        if process.poll() is None:  # asked to stop, as a user would, so that it removes its state
            process.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
        for pid in children | {process.pid}:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait()
        process.stdout.close()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes from /proc")
@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "Ctrl-C"])
def test_serve_stops_every_process_and_removes_its_state(serving, how):
    process, printed, children = serving
    assert len(children) >= 6, printed  # two gunicorn masters, two workers each
    state = {
        Path(m).parent
        for pid in children
        for m in re.findall(
            r"sqlite:///([^\x00]+\.sqlite3)", Path(f"/proc/{pid}/cmdline").read_text()
        )
    }
    assert len(state) == 1 and next(iter(state)).is_dir()
    if how == "Ctrl-C":  # a terminal signals the whole foreground process group
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(getattr(signal, how))
    # That it stops, cleanly: 15 s only bounds a hang (how fast it stops is not what is checked).
    assert process.wait(timeout=15) == 0
    assert [pid for pid in children if _alive(pid)] == []
    assert not next(iter(state)).exists()


def test_serve_says_to_open_its_pages_on_127_0_0_1_and_why(serving):
    _, printed, _ = serving
    urls = re.findall(r"https?://[^\s/]+", printed)
    assert urls and all(url.startswith("http://127.0.0.1:") for url in urls)
    assert "127.0.0.1, not localhost" in printed


def test_the_readme_sends_browsers_to_127_0_0_1_and_says_why():
    readme = (ROOT / "README.md").read_text()
    assert not re.search(r"localhost:\d", readme), "the README uses localhost in a URL"
    assert "127.0.0.1, not localhost" in readme
