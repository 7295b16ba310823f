"""The receivers the intake benchmark compares ours with, served by the same server.

- bare: the same Django stack answering 200 without touching the database;
- naive: what a first version would do: one ORM insert and a Celery `.delay()` per request.
"""

import json

from django.db import transaction
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from connector_site.urls import urlpatterns as site_urlpatterns
from integrations.models import WebhookEvent
from integrations.tasks import process_webhook_event


@csrf_exempt
@transaction.non_atomic_requests
def bare(request, connection_id):
    request.body  # noqa: B018 - read it, as every receiver does
    return HttpResponse("OK")


@csrf_exempt
@transaction.non_atomic_requests
def naive(request, connection_id):
    payload = json.loads(request.body)
    event = WebhookEvent.objects.create(
        connection_id=connection_id,
        message_id=payload["id"],
        object_type=payload["type"],
        event_type=payload["eventType"],
        body=request.body.decode(),
    )
    process_webhook_event.delay(event.pk)
    return HttpResponse("OK")


urlpatterns = [
    path("bench/bare/<int:connection_id>/", bare),
    path("bench/naive/<int:connection_id>/", naive),
    path("", include(site_urlpatterns)),
]
