"""Webhook addresses, one package of views per source system."""

urlpatterns: list = []
