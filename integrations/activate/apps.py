from django.apps import AppConfig


class ActivateConfig(AppConfig):
    name = "integrations.activate"
    label = "activate"
    verbose_name = "Spotler Activate"

    def ready(self) -> None:
        from dataclasses import replace

        from integrations.activate.destination import ACTIVATE
        from integrations.activate.setup import SETUP
        from integrations.delivery.registry import destination_register

        destination_register(replace(ACTIVATE, setup=SETUP))
