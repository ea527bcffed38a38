"""Pieces the benchmarks (and some tests) share: the Dash Pages routing request, a free loopback port,
stopping a server process, and the documented gunicorn deployment on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
#: How long a server may take to answer before the run is abandoned.
START_TIMEOUT = 120.0


def routing_body(pathname: str = "/", search: str = "") -> dict:
    """The Dash Pages routing callback the browser posts to ``/_dash-update-component`` right after the layout,
    asking for the content of the page at ``pathname`` (``search``: its query string, with the "?")."""
    return {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname", "_pages_location.search"],
        "state": [],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL if the process is still there after ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def gunicorn(data_dir: str, log: Path, workers: int = 2, app: str = "dashboard.app:server()",
             settings: dict[str, str] | None = None) -> Iterator[str]:
    """``gunicorn -c python:dashboard.gunicorn_conf <app>`` on a free loopback port, reading ``data_dir``
    (``settings``: more ``ECONSEC_*`` variables); yields its base URL once it answers. Its stderr goes to
    ``log``."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECONSEC_AUTH_")}
    env.update(ECONSEC_DATA_DIR=data_dir, ECONSEC_WORKERS=str(workers), ECONSEC_LOG_LEVEL="WARNING", **(settings or {}))
    base = f"http://127.0.0.1:{port}"
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:dashboard.gunicorn_conf", "-b", f"127.0.0.1:{port}", app],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"gunicorn exited ({proc.returncode}): {log.read_text()[-2000:]}")
                try:
                    with urllib.request.urlopen(base + "/_dash-dependencies", timeout=10) as response:  # noqa: S310
                        if response.status == 200:
                            break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT:.0f} s") from None
                    time.sleep(0.2)
            yield base
        finally:
            stop(proc)
