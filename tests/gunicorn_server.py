"""A real gunicorn on localhost with the shipped settings, for the load test and the benchmarks.

The instance is initialised with ``flask init`` first (fresh secrets in its own folder, the schema,
the keys and a legal lead), then served by ``gunicorn -c python:complaints.gunicorn_conf`` like a
deployment: no test configuration, so the production key-derivation costs apply.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+)" (?P<status>\d+) \S+ (?P<ms>\d+)ms')


def free_port() -> int:
    """A loopback port nobody listens on (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A running gunicorn: its address, master pid, the log it writes, and what ``init`` printed."""

    host: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    instance: Path
    init_output: str = ""

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the gunicorn master)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def server_times_ms(self, method: str, path: str) -> list[int]:
        """Durations gunicorn logged for requests matching ``method path`` (its %(M)s field)."""
        return [
            int(match["ms"])
            for line in self.log_path.read_text(errors="replace").splitlines()
            if (match := ACCESS_LINE.search(line)) and match["method"] == method and match["path"] == path
        ]

    @property
    def lead_totp_secret(self) -> str:
        """The TOTP secret ``init`` printed for the lead."""
        found = re.search(r"totp-secret: (\S+)", self.init_output)
        if found is None:
            raise RuntimeError("init printed no TOTP secret")
        return found.group(1)


def server_env(
    instance: Path, port: int, workers: int, threads: int, extra: dict[str, str]
) -> dict[str, str]:
    """The environment gunicorn and ``flask init`` run with: the instance folder, bind, workers."""
    env = {
        **os.environ,
        "INSTANCE_FOR_WSGI": str(instance),
        "COMPLAINTS_INSTANCE": str(instance),
        "COMPLAINTS_UPLOAD_DIR": str(instance / "uploads"),
        "COMPLAINTS_BIND": f"127.0.0.1:{port}",
        "COMPLAINTS_WORKERS": str(workers),
        "COMPLAINTS_THREADS": str(threads),
        **extra,
    }
    env["PYTHONPATH"] = str(ROOT)
    return env


@contextmanager
def serve(
    instance: Path, lead_password: str, extra_env: dict[str, str], workers: int = 2, threads: int = 4
) -> Iterator[Server]:
    """Initialise ``instance`` (with a lead ``lead``) and serve it until the block ends.

    ``extra_env`` names the database (``COMPLAINTS_DATABASE_URL``), limits and the rest.
    The instance folder is left for the caller to inspect and remove.
    """
    port = free_port()
    env = server_env(instance, port, workers, threads, extra_env)
    yield from run_gunicorn(instance, env, port, initialise(instance, lead_password, env))


def initialise(instance: Path, lead_password: str, env: dict[str, str]) -> str:
    """``flask init`` of ``instance`` with a lead ``lead`` in environment ``env``; what it printed."""
    init = subprocess.run(
        [
            str(VENV_BIN / "flask"),
            "--app",
            str(instance_wsgi(instance)),
            "init",
            "--lead",
            "lead",
            "--password-stdin",
        ],
        input=lead_password + "\n",
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if init.returncode != 0:
        raise RuntimeError(f"flask init failed: {init.stdout}\n{init.stderr}")
    return init.stdout


def run_gunicorn(
    instance: Path, env: dict[str, str], port: int, init_output: str = "", app: str = "instance_wsgi:app"
) -> Iterator[Server]:
    """Serve ``app`` (a module on the path or in ``instance``) with the shipped gunicorn settings
    until the generator is closed; its log is ``instance/gunicorn.log``."""
    log_path = instance / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "-c",
                "python:complaints.gunicorn_conf",
                "--chdir",
                str(instance),
                app,
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server("127.0.0.1", port, process, log_path, instance, init_output)
    try:
        wait_until_up(server)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=60)


def instance_wsgi(instance: Path) -> Path:
    """A wsgi module whose app uses the throw-away instance folder (for its config.py and secrets)."""
    path = instance / "instance_wsgi.py"
    path.write_text(
        '"""Entry point of a throw-away instance."""\n'
        "import os\n"
        "from complaints import create_app\n"
        'app = create_app(instance_path=os.environ["INSTANCE_FOR_WSGI"])\n'
    )
    return path


def wait_until_up(server: Server, timeout: float = 60) -> None:
    """Poll /healthz until gunicorn answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            connection = http.client.HTTPConnection(server.host, server.port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return
            connection.close()
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up:\n" + server.log_path.read_text(errors="replace")[-3000:])
