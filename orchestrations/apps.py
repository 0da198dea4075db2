from django.apps import AppConfig


class OrchestrationsConfig(AppConfig):
    name = "orchestrations"
    verbose_name = "Orchestrations"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (record triggers, run events)
        from .actions import builtins  # noqa: F401  (register the built-in actions)
