"""The Django admin, for support staff and designers.

Run-side pages (runs, stage and step runs, work items, events) are read-only views:
support staff steer runs with actions that go through the engine. Definitions are
editable only while their version is a draft.
"""

from django.contrib import admin

from . import definition_parts, definitions, outbox, people, run_parts, runs, users, work_items

admin.site.site_header = "Handoff administration"
admin.site.site_title = "Handoff admin"
admin.site.index_title = "Handoff site administration"

__all__ = [
    "definition_parts",
    "definitions",
    "outbox",
    "people",
    "run_parts",
    "runs",
    "users",
    "work_items",
]
