from django.apps import AppConfig


class RollerConfig(AppConfig):
    name = "integrations.roller"
    label = "roller"
    verbose_name = "ROLLER"
