from django.urls import include, path

from wizard.views import connectors

app_name = "wizard"

urlpatterns = [
    path("", connectors.connection_list, name="connection_list"),
    # The setup wizard's steps, and the connection page (monitoring) of an account's users.
    path("", include("wizard.urls_setup")),
    path("", include("wizard.urls_connection")),
    # A destination: its setup on the same wizard, and its page.
    path("", include("wizard.urls_destination")),
]
