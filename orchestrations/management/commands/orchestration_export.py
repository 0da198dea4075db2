"""python manage.py orchestration_export KEY [--version N] [--output FILE]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orchestrations.definition import export_definition
from orchestrations.models import Orchestration, Version


class Command(BaseCommand):
    help = "Print an orchestration's definition as JSON (the active version, else the latest)."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Our --version (a version number) replaces Django's (which prints Django's).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("key", help="The orchestration's key")
        parser.add_argument("--version", type=int, help="Export this version number instead")
        parser.add_argument("--output", help="Write to this file instead of standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        version = _version(options["key"], options["version"])
        text = json.dumps(export_definition(version), indent=2, ensure_ascii=False) + "\n"
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as file:
                file.write(text)
            self.stderr.write(f"Wrote {version} to {options['output']}.")
        else:
            self.stdout.write(text, ending="")


def _version(key: str, number: int | None) -> Version:
    orchestration = Orchestration.objects.filter(key=key).first()
    if orchestration is None:
        raise CommandError(f"No orchestration with the key '{key}'.")
    versions = orchestration.versions.select_related("orchestration")
    if number is not None:
        found = versions.filter(number=number).first()
        if found is None:
            raise CommandError(f"{orchestration} has no version {number}.")
        return found
    found = orchestration.active_version or versions.order_by("-number").first()
    if found is None:
        raise CommandError(f"{orchestration} has no versions.")
    return found
