"""A real Celery worker process runs a background step against Redis, with a retry.

Runs in the PostgreSQL + Redis pass of CI (the worker needs a broker other
processes can reach, and a database it can share with the test).
"""

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app
from orchestrations.engine import run_start
from orchestrations.models import Run, StepRun
from tests.factories import VersionBuilder

BROKER = settings.CELERY_BROKER_URL

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not BROKER.startswith("redis") or connection.vendor != "postgresql",
        reason="needs Redis and PostgreSQL; runs in the production-stack pass of CI",
    ),
]

ROOT = Path(__file__).resolve().parents[2]


class FlakyService(BaseHTTPRequestHandler):
    """Fails the first call with a 503, then answers with the JSON it was sent."""

    calls: list[dict] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FlakyService.calls.append(body)
        status = 503 if len(FlakyService.calls) == 1 else 200
        payload = json.dumps({"echo": body, "call": len(FlakyService.calls)}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def service():
    FlakyService.calls = []
    server = HTTPServer(("127.0.0.1", 0), FlakyService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/provision"
    server.shutdown()


@pytest.fixture
def worker(tmp_path):
    """A worker process (with beat, for the sweeper) on the test database, with Celery
    sending for real."""
    app.control.purge()
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "HANDOFF_HTTP_ALLOWED_HOSTS": "127.0.0.1",
        "HANDOFF_SWEEP_SECONDS": "1",  # the sweeper sends the retry when its backoff is over
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "-Q", "handoff.actions,handoff.control", "--beat", "-s", str(tmp_path / "beat"),
         "--concurrency=1", "--loglevel=WARNING", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield process
    app.conf.task_always_eager = was_eager
    process.terminate()
    process.wait(timeout=20)


def test_a_worker_runs_a_background_step_and_retries_it(service, worker):
    b = VersionBuilder("integration")
    b.step(
        b.stage("provision"), "call_crm", action="http_request",
        action_inputs={"url": service, "json": {"account": "{{ vars.account }}"}},
        retry_max_attempts=3, retry_backoff_seconds=1,
    )  # fmt: skip
    b.input("account")
    b.activate()

    run = run_start(b.orchestration, variables={"account": "acme"})  # sent after commit

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status != "in_progress":
            break
        assert worker.poll() is None, "the worker process died"
        time.sleep(0.25)
    assert Run.objects.get(pk=run.pk).status == "completed"
    step = StepRun.objects.get(run=run)
    assert step.failures == 1
    assert step.outputs["json"] == {"echo": {"account": "acme"}, "call": 2}
    assert [e.kind for e in run.events.filter(kind__startswith="step.")] == [
        "step.start",
        "step.retry",
        "step.complete",
    ]
    assert FlakyService.calls == [{"account": "acme"}, {"account": "acme"}]
