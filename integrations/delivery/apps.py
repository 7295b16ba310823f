from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "integrations.delivery"
    label = "delivery"
    verbose_name = "Destinations"

    def ready(self) -> None:
        # The tasks that services publish by name (integrations.publishing).
        from integrations.delivery import tasks  # noqa: F401
