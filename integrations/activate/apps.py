from django.apps import AppConfig


class ActivateConfig(AppConfig):
    name = "integrations.activate"
    label = "activate"
    verbose_name = "Spotler Activate"

    def ready(self) -> None:
        from integrations.activate.destination import ACTIVATE
        from integrations.delivery.registry import destination_register

        destination_register(ACTIVATE)
