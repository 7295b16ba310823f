from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from integrations import views as integration_views
from integrations.registry import webhook_url_patterns

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="wizard:connection_list", permanent=False)),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Where an invitation (manage.py create_account --invite) lets a new login choose its password.
    path(
        "password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url="/password/done/"),
        name="password_reset_confirm",
    ),
    path("password/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("admin/", admin.site.urls),
    path("healthz", integration_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page links: a 404 on every page otherwise.
    path("favicon.ico", integration_views.favicon, name="favicon"),
    # Each connector registers its own (ConnectorSpec.webhook_urls): ROLLER posts to webhooks/roller/<uuid>/.
    path("webhooks/", include(webhook_url_patterns())),
    path("connectors/", include("wizard.urls")),
]
