"""The production background processes, for tests and benchmarks: each line of the ``Procfile`` run as it is
in production (same pool, concurrency, queues and settings module), against the caller's database.

Only what a test must change is changed: the log level (WARNING, so logs stay readable), a hostname of the
test's own (two clocks can run side by side) and the environment (database, broker, ``VAR_DIR``, the mail
server). Nothing here is imported by the product.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BACKGROUND = ("clock", "sender", "worker", "beat")


def procfile(path: Path = ROOT / "Procfile") -> dict[str, list[str]]:
    """Each process's command, split into words."""
    lines = (line.split(":", 1) for line in path.read_text().splitlines() if line.strip() and ":" in line)
    return {name.strip(): shlex.split(command) for name, command in lines}


def production_env(database: dict, folder: Path, **overrides: str) -> dict[str, str]:
    """Production settings (``escalation_matrix.settings`` with DEBUG off) on ``database`` and this broker."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "escalation_matrix.settings",
        "DEBUG": "0",
        "SECRET_KEY": "background-processes-under-test-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": (f"postgres://{database['USER'] or 'postgres'}@{database['HOST'] or '127.0.0.1'}:"
                         f"{database['PORT'] or 5432}/{database['NAME']}"),
        "VAR_DIR": str(folder),
        "HEARTBEAT_SECONDS": "1",
        "EMAIL_USE_TLS": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("EMAIL_HOST", None)  # console email unless a test names its receiver
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests' switch: never in production
    env.update(overrides)
    return env


def command(name: str, *, instance: int = 1, folder: Path, port: str = "8000") -> list[str]:
    """The Procfile's line for ``name``, runnable from this interpreter (``$PORT`` is ``port``)."""
    words = [word.replace("${PORT:-8000}", port) for word in procfile()[name]]
    if words[0] in ("celery", "gunicorn"):
        words = [sys.executable, "-m", words[0], *words[1:]]
    if "--loglevel" in words:
        words[words.index("--loglevel") + 1] = "WARNING"
    if "--hostname" in words:
        at = words.index("--hostname") + 1
        words[at] = words[at].replace("@", f"-{os.getpid()}-{instance}@", 1)
    if name == "beat":
        words += ["--schedule", str(folder / f"beat-schedule-{instance}")]
    return words


class BackgroundProcesses:
    """Starts, kills and waits on the Procfile's background processes; each logs to ``folder/<name>.log``."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder = folder
        self.env = env
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *, instance: int = 1) -> subprocess.Popen:
        key = name if instance == 1 else f"{name}.{instance}"
        with open(self.folder / f"{key}.log", "ab") as log:  # the child keeps its own copy of the file
            words = command(name, instance=instance, folder=self.folder, port=self.env.get("PORT", "8000"))
            self.running[key] = subprocess.Popen(words, env=self.env, cwd=ROOT, stdout=log, stderr=log)
        return self.running[key]

    def start_all(self) -> None:
        for name in BACKGROUND:
            self.start(name)

    def kill(self, key: str, sig: int = signal.SIGTERM) -> None:
        """Send ``sig`` to the process and wait for it; with prefork, SIGKILL of the parent also takes its
        pool children (their process group), as a crashed host would."""
        proc = self.running.pop(key, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        if sig == signal.SIGKILL:
            for child in _children(proc.pid):
                os.kill(child, signal.SIGKILL)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stop_all(self) -> None:
        """The end of a test or benchmark: nothing is left to finish, so no warm shutdown is waited for."""
        for key in list(self.running):
            self.kill(key, signal.SIGKILL)

    def log(self, key: str) -> str:
        path = self.folder / f"{key}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self, lines: int = 30) -> str:
        return "".join(f"\n--- {key} log ---\n" + "\n".join(self.log(key).splitlines()[-lines:])
                       for key in sorted({p.stem for p in self.folder.glob("*.log")}))

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}{self.logs()}")


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            found.append(int(stat.parent.name))
    return found

