from django.apps import AppConfig


class ActivateConfig(AppConfig):
    name = "integrations.activate"
    label = "activate"
    verbose_name = "Spotler Activate"
