from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from integrations import views as integration_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="wizard:connection_list", permanent=False)),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", integration_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page links: a 404 on every page otherwise.
    path("favicon.ico", integration_views.favicon, name="favicon"),
    path("webhooks/roller/", include("integrations.roller.urls")),
    path("connectors/", include("wizard.urls")),
]
