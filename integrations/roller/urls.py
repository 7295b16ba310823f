from django.urls import path

from integrations.roller.intake import roller_webhook

urlpatterns = [
    # With and without the trailing slash: a redirect would lose the POST body.
    path("<uuid:public_id>/", roller_webhook, name="roller_webhook"),
    path("<uuid:public_id>", roller_webhook),
]
