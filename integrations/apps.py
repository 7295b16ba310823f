from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        # Registers the system checks, and the tasks that services publish by name
        # (integrations.publishing), in every process: web, worker and commands.
        from integrations import checks, tasks  # noqa: F401
