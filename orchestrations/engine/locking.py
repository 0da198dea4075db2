"""Lock → transaction → re-read: the one way any change to a run begins."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

from .. import outbox
from ..models import Run


@contextmanager
def locked_run(run_id: int) -> Iterator[Run]:
    """Open a transaction holding the run's row lock, and yield the run read afresh.

    Everything that changes a run happens inside this block, so two parallel steps
    finishing at the same instant are applied one after the other: the second sees
    the first's result, and a stage advances (or a decision fires) exactly once.
    On SQLite, IMMEDIATE transactions give the same serialisation database-wide.
    What the block sends (emails, attempts) is written to the outbox as it ends.
    """
    with transaction.atomic(), outbox.collecting():
        run = (
            Run.objects.select_for_update(of=("self",))
            .select_related("orchestration", "version", "started_by", "record_type")
            .get(pk=run_id)
        )
        yield run
