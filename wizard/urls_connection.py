"""The connection page of an account's users, and the pieces htmx polls or posts to."""

from django.urls import path

from wizard.views import connection_page

urlpatterns = [
    path("<uuid:public_id>/", connection_page.connection_detail, name="connection_detail"),
    path("<uuid:public_id>/live/", connection_page.connection_live, name="connection_live"),
    path(
        "<uuid:public_id>/sync-products/",
        connection_page.connection_sync_products,
        name="connection_sync_products",
    ),
    path("<uuid:public_id>/replay/", connection_page.connection_replay, name="connection_replay"),
    path("<uuid:public_id>/reimport/", connection_page.connection_reimport, name="connection_reimport"),
    path(
        "<uuid:public_id>/retry-credentials/",
        connection_page.connection_retry_credentials,
        name="connection_retry_credentials",
    ),
    path(
        "<uuid:public_id>/register-webhook/",
        connection_page.connection_register_webhook,
        name="connection_register_webhook",
    ),
    path(
        "<uuid:public_id>/destinations/<slug:destination_type>/exclusion/",
        connection_page.connection_destination_exclusion,
        name="connection_destination_exclusion",
    ),
]
