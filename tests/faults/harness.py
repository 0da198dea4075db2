"""Real processes to break: a Redis of our own (so it can be stopped), Celery workers
started and killed by PID, and an HTTP service that background steps call.

Used by the fault-injection tests (tests/faults/) and by bench/killnine.py. The
database is the caller's (the test database, or the bench's own).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
WORKER_DB_NAME = "handoff-fault-worker"  # application_name of the workers' connections


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], Any], *, timeout: float, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"Still not true after {timeout} s: {condition}")


class RedisServer:
    """A Redis of our own on a free port, keeping nothing on disk."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.answers, timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class Worker:
    """A Celery worker process. The solo pool by default: the process is the one running
    the body, so killing it kills the body; prefork to have Celery's time limits."""

    def __init__(
        self,
        name: str,
        queue: str,
        env: dict[str, str],
        log_dir: Path,
        *,
        beat: bool,
        pool: str = "solo",
    ):
        self.name = name
        self.log = log_dir / f"{name}.log"
        self.command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue,
            "-n", f"{name}@%h", f"--pool={pool}", "--concurrency=1", "--loglevel=INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        if beat:
            self.command += ["--beat", "-s", str(log_dir / f"{name}-beat-schedule")]
        self.env = env
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> Worker:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        def ready() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"Worker {self.name} exited:\n{self.log.read_text()[-3000:]}")
            return b" ready." in self.log.read_bytes()

        wait_for(ready, timeout=timeout, every=0.2)

    def kill9(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        assert self.process is not None
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill9()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Call:
    path: str
    key: str
    body: Any
    started: float
    finished: float | None = None


class Service:
    """What background steps call (the built-in http_request action): records every
    call with its Idempotency-Key. `/slow?seconds=N` answers after N seconds; `/blip`
    first cuts the workers' database connections (as a failover would)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.lock = threading.Lock()
        self.on_call: Callable[[Call], None] | None = None
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                call = Call(
                    path=urlsplit(self.path).path,
                    key=self.headers.get("Idempotency-Key", ""),
                    body=json.loads(self.rfile.read(length) or b"null"),
                    started=time.time(),
                )
                with service.lock:
                    service.calls.append(call)
                if service.on_call:
                    service.on_call(call)
                query = parse_qs(urlsplit(self.path).query)
                if call.path == "/slow":
                    time.sleep(float(query.get("seconds", ["1"])[0]))
                if call.path == "/blip":
                    cut_worker_connections()
                call.finished = time.time()
                payload = json.dumps({"ok": True}).encode()
                with contextlib.suppress(OSError):  # the caller may have been killed
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Service:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()

    def calls_by_key(self) -> dict[str, list[Call]]:
        by_key: dict[str, list[Call]] = {}
        for call in list(self.calls):
            by_key.setdefault(call.key, []).append(call)
        return by_key

    def overlapping_keys(self) -> list[str]:
        """Keys whose bodies ran at the same time (two calls in flight at once)."""
        found = []
        for key, calls in self.calls_by_key().items():
            spans = sorted((c.started, c.finished or float("inf")) for c in calls)
            if any(later[0] < earlier[1] for earlier, later in pairwise(spans)):
                found.append(key)
        return found


def cut_worker_connections() -> int:
    """Terminate every database connection the workers opened."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = %s",
                [WORKER_DB_NAME],
            )
            return int(cursor.fetchone()[0])
    finally:
        connection.close()


@dataclass
class Stack:
    """Redis, a control worker (sweeper, outbox, beat) and action workers, sharing the
    caller's database. Settings for the workers come from `settings_env`."""

    action_workers: int = 2
    settings_env: dict[str, str] = field(default_factory=dict)
    pool: str = "solo"
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="handoff-faults-")))
    redis: RedisServer = field(default_factory=RedisServer)
    workers: list[Worker] = field(default_factory=list)
    control: Worker | None = None

    @property
    def mail_dir(self) -> Path:
        return self.folder / "mail"

    def env(self) -> dict[str, str]:
        db = settings.DATABASES["default"]
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/"
            f"{db['NAME']}?application_name={WORKER_DB_NAME}",
            "CELERY_BROKER_URL": self.redis.url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "HANDOFF_DATA_DIR": str(self.folder),
            "HANDOFF_HTTP_ALLOWED_HOSTS": "127.0.0.1",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "LOG_LEVEL": "WARNING",
            **self.settings_env,
        }

    def start(self) -> Stack:
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        self.redis.start()
        self.control = Worker("control", "handoff.control", self.env(), self.folder, beat=True)
        self.control.start()
        for _ in range(self.action_workers):
            self.add_action_worker()
        for worker in [self.control, *self.workers]:
            worker.wait_ready()
        return self

    def add_action_worker(self) -> Worker:
        name = f"actions{len(self.workers) + 1}"
        worker = Worker(
            name, "handoff.actions", self.env(), self.folder, beat=False, pool=self.pool
        ).start()
        self.workers.append(worker)
        return worker

    def stop(self) -> None:
        for worker in [*self.workers, *([self.control] if self.control else [])]:
            worker.stop()
        self.redis.stop()

    def emails_sent(self) -> list[str]:
        """The Message-ID of every email the workers sent (one file per connection)."""
        ids = []
        for path in sorted(self.mail_dir.glob("*.log")):
            for line in path.read_text().splitlines():
                if line.lower().startswith("message-id:"):
                    ids.append(line.split(":", 1)[1].strip())
        return ids


@contextlib.contextmanager
def broker_of_this_process(url: str) -> Iterator[None]:
    """Send this process's Celery messages (the outbox's relay) to `url`."""
    from kombu import pools

    from config.celery import app

    before = os.environ.get("CELERY_BROKER_URL"), app.conf.broker_url, app.conf.task_always_eager

    def point_at(broker: str | None) -> None:
        if broker is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = broker  # Celery reads it before its own setting
        app.conf["broker_url"] = broker
        pools.reset()  # connections and producers made for the previous broker
        vars(app)["_pool"] = None
        vars(app.amqp)["_producer_pool"] = None

    point_at(url)
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        point_at(before[0] or before[1])
        app.conf.task_always_eager = before[2]
