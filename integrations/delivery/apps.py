from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "integrations.delivery"
    label = "delivery"
    verbose_name = "Destinations"
