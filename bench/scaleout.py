"""The onboarding workload through the real web stack: how it grows with processes.

    DATABASE_URL=postgres://postgres@127.0.0.1/handoff_bench .venv/bin/python bench/scaleout.py
    … --runs 200 --workers 1,2,4 --clients 8 --json bench/results/scaleout.json

PostgreSQL only. Builds bench/onboarding.py's process, teams and people in a database of
its own (<name>_scaleout, dropped at the end), starts `--runs` runs for each gunicorn size,
then, for each size (`--workers`: gunicorn with that many sync workers on 127.0.0.1,
production settings behind a TLS-terminating proxy, as the README's deployment), works
every human task over HTTP: the queue's Claim button (an htmx POST) and the form's submit
(a POST answered with a redirect), each as the team member whose turn it is, signed in
with a session of their own. `--clients` threads send them at once (a bounded load: each
waits for its answer before sending the next request). Background steps run in the web
process right after the commit that dispatched them (Celery eager), as in
bench/onboarding.py, so their cost is in the figures.

Reports, per size: requests/s, human tasks/s, claim and complete p50/p95, and where the
CPU went (gunicorn's processes, the PostgreSQL server processes of their connections, this
load generator — all on this machine, read from /proc). Connections persist between
requests (DATABASE_CONN_MAX_AGE, 60 s by default), so the server processes measured are
the ones that served the work. Not a test: figures for the README.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("HANDOFF_DATA_DIR", tempfile.mkdtemp(prefix="handoff-bench-"))
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from bench.onboarding import (  # noqa: E402
    HUMAN_STEPS,
    Workload,
    build_workload,
    commit_measured,
    database_name,
    percentile,
)
from orchestrations.engine import run_start  # noqa: E402
from orchestrations.models import Run, WorkItem  # noqa: E402
from orchestrations.status import RunStatus  # noqa: E402

HOST = "127.0.0.1"
PORT = 8765
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
CSRF_SECRET = secrets.token_hex(16)  # 32 characters: an unmasked token, as the cookie holds


@dataclass
class Person:
    username: str
    cookie: str


@dataclass
class Task:
    item_id: int
    person: Person
    step: str


@dataclass
class Timings:
    claim: list[float] = field(default_factory=list)
    complete: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            getattr(self, kind).append(seconds)

    def fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)


def signed_in(workload: Workload) -> dict[str, Person]:
    """A session for every member, as logging in would leave (cookie header per person)."""
    people = {}
    for members in workload.teams.values():
        for user in members:
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = MODEL_BACKEND
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
            cookie += f"{settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"
            people[user.username] = Person(user.username, cookie)
    return people


# ── the web stack ────────────────────────────────────────────────────────────────────────


def gunicorn(workers: int) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "HANDOFF_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "ALLOWED_HOSTS": HOST,
        "LOG_LEVEL": "WARNING",
    }
    command = [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "--workers",
               str(workers), "--bind", f"{HOST}:{PORT}", "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    for _ in range(200):
        try:
            request("GET", "/accounts/login/", cookie="")
            return server
        except OSError:
            pass
        time.sleep(0.1)
    stop(server)
    raise RuntimeError("gunicorn did not answer within 20 s.")


def stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def request(method: str, path: str, *, cookie: str, form: dict | None = None,
            htmx: bool = False) -> tuple[int, bytes]:  # fmt: skip
    """One request as the browser sends it through a TLS-terminating proxy."""
    headers = {"Host": HOST, "X-Forwarded-Proto": "https", "Cookie": cookie}
    body = None
    if form is not None:
        body = urlencode(form)
        headers |= {"Content-Type": "application/x-www-form-urlencoded",
                    "X-CSRFToken": CSRF_SECRET, "Referer": f"https://{HOST}/",
                    "Origin": f"https://{HOST}"}  # fmt: skip
    if htmx:
        headers["HX-Request"] = "true"
    conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def work(tasks: queue.Queue[Task | None], timings: Timings) -> None:
    while (task := tasks.get()) is not None:
        for kind, path, form, htmx, ok in (
            ("claim", f"/items/{task.item_id}/claim/", {}, True, (200,)),
            ("complete", f"/items/{task.item_id}/", {"notes": f"{task.step} done"}, False, (302,)),
        ):
            started = time.perf_counter()
            status, body = request("POST", path, cookie=task.person.cookie, form=form, htmx=htmx)
            timings.add(kind, time.perf_counter() - started)
            if status not in ok:
                timings.fail(f"{kind} {task.step} #{task.item_id}: HTTP {status} {body[:200]!r}")
                break


# ── CPU on this machine ──────────────────────────────────────────────────────────────────


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU seconds so far of each process still alive, by pid."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return used


def cpu_since(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two readings by the processes alive at the second (a process
    that exited meanwhile is not counted: the web stack keeps its connections)."""
    return sum(used - before.get(pid, 0.0) for pid, used in after.items())


def process_tree(root: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(root)], capture_output=True, text=True)
    return [root, *(int(pid) for pid in children.stdout.split())]


def server_backends() -> list[int]:
    """The PostgreSQL server processes serving this database's other connections (the web
    stack's, kept open between requests)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


# ── the driver ───────────────────────────────────────────────────────────────────────────


def measure(workload: Workload, people: dict[str, Person], run_ids: list[int], workers: int,
            clients: int) -> tuple[dict[str, Any], list[str]]:  # fmt: skip
    server = gunicorn(workers)
    timings = Timings()
    try:
        anybody = next(iter(people.values()))
        for _ in range(10 * workers):  # warm every worker (imports, first queries)
            request("GET", "/", cookie=anybody.cookie)
        servers = process_tree(server.pid)
        app_before, db_before = cpu_seconds(servers), cpu_seconds(server_backends())
        client_before = time.process_time()
        started = time.perf_counter()
        for step, (team, _) in HUMAN_STEPS.items():
            members = [people[u.username] for u in workload.teams[team]]
            items = WorkItem.objects.open().filter(run__in=run_ids, step_run__step__key=step)
            ids = list(items.order_by("run_id").values_list("pk", flat=True))
            if len(ids) != len(run_ids):
                timings.fail(f"{len(ids)} open '{step}' items for {len(run_ids)} runs.")
                break
            tasks: queue.Queue[Task | None] = queue.Queue()
            for n, item_id in enumerate(ids):
                tasks.put(Task(item_id, members[n % len(members)], step))
            threads = [threading.Thread(target=work, args=(tasks, timings)) for _ in range(clients)]
            for thread in threads:
                tasks.put(None)
                thread.start()
            for thread in threads:
                thread.join()
            if timings.failures:
                break
        wall = time.perf_counter() - started
        app = cpu_since(app_before, cpu_seconds(servers))
        db = cpu_since(db_before, cpu_seconds(server_backends()))  # new ones from 0
        client = time.process_time() - client_before
    finally:
        stop(server)
    tasks_done = len(timings.complete)
    claims, completes = sorted(timings.claim), sorted(timings.complete)
    figures = {
        "workers": workers,
        "clients": clients,
        "runs": len(run_ids),
        "human_tasks": tasks_done,
        "wall_seconds": round(wall, 2),
        "requests_per_second": round((len(claims) + len(completes)) / wall, 1),
        "human_tasks_per_second": round(tasks_done / wall, 1),
        "claim_ms": {"p50": percentile([s * 1000 for s in claims], 50),
                     "p95": percentile([s * 1000 for s in claims], 95)},
        "complete_ms": {"p50": percentile([s * 1000 for s in completes], 50),
                        "p95": percentile([s * 1000 for s in completes], 95)},
        "cpu_ms_per_human_task": {
            "gunicorn": round(app * 1000 / max(tasks_done, 1), 1),
            "postgresql": round(db * 1000 / max(tasks_done, 1), 1),
            "load_generator": round(client * 1000 / max(tasks_done, 1), 1),
        },
    }  # fmt: skip
    ended = Run.objects.filter(pk__in=run_ids, status=RunStatus.COMPLETED).count()
    problems = list(timings.failures)
    if not problems and ended != len(run_ids):
        problems.append(f"{len(run_ids) - ended} of {len(run_ids)} runs did not complete.")
    return figures, problems


def print_figures(result: dict[str, Any]) -> None:
    print(f"{'gunicorn workers':>16} {'req/s':>7} {'tasks/s':>8} {'claim p50/p95 ms':>17} "
          f"{'complete p50/p95 ms':>20} {'CPU ms/task: app + db + load':>30}")  # fmt: skip
    for f in result["sizes"]:
        c = f["cpu_ms_per_human_task"]
        print(f"{f['workers']:>16} {f['requests_per_second']:>7.1f} "
              f"{f['human_tasks_per_second']:>8.1f} "
              f"{f['claim_ms']['p50']:>8.1f} / {f['claim_ms']['p95']:<6.1f} "
              f"{f['complete_ms']['p50']:>10.1f} / {f['complete_ms']['p95']:<6.1f} "
              f"{c['gunicorn']:>12.1f} + {c['postgresql']:.1f} + "
              f"{c['load_generator']:.1f}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="runs per size (200)")
    parser.add_argument("--workers", default="1,2,4", help="gunicorn sizes (1,2,4)")
    parser.add_argument("--clients", type=int, default=8, help="requests in flight (8)")
    parser.add_argument("--json", metavar="PATH", help="write the figures here")
    args = parser.parse_args(argv)
    db = connection.settings_dict
    if not db["ENGINE"].endswith("postgresql"):
        print("bench/scaleout.py needs PostgreSQL: set DATABASE_URL.", file=sys.stderr)
        return 2
    db["TEST"]["NAME"] = f"{db['NAME']}_scaleout"
    config = setup_databases(verbosity=0, interactive=False)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: the manifest
    problems: list[str] = []
    try:
        workload = build_workload()
        people = signed_in(workload)
        sizes = [int(n) for n in args.workers.split(",")]
        starters = workload.teams["AE"]
        runs_of = {
            size: [run_start(workload.orchestration, started_by=starters[n % len(starters)]).pk
                   for n in range(args.runs)]
            for size in sizes
        }  # fmt: skip
        connection.close()  # gunicorn's workers should not wait behind this connection
        result: dict[str, Any] = {
            "commit": commit_measured(),
            "database": database_name(),
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            "sizes": [],
        }
        print(
            f"bench/scaleout.py at {result['commit']} on {result['database']}, "
            f"{result['cpus']} CPUs, {args.runs} runs per size, {args.clients} clients"
        )
        for size in sizes:
            figures, found = measure(workload, people, runs_of[size], size, args.clients)
            result["sizes"].append(figures)
            problems += [f"{size} workers: {p}" for p in found]
        print_figures(result)
        result["problems"] = problems
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        for problem in problems:
            print(f"PROBLEM: {problem}", file=sys.stderr)
        return 1 if problems else 0
    finally:
        connection.close()
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
