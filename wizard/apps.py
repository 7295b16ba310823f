from django.apps import AppConfig


class WizardConfig(AppConfig):
    name = "wizard"
    verbose_name = "Setup wizard"

    def ready(self):
        # Registers the tasks the wizard's services publish by name (integrations.publishing):
        # a web process imports no task module otherwise, and the summary's preview could not
        # be queued there.
        from wizard import tasks  # noqa: F401
