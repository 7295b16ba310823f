"""A destination's setup and page, under its type: an account has at most one of each."""

from django.urls import path

from wizard.views import destination_page, destination_setup

urlpatterns = [
    path(
        "destinations/<slug:destination_type>/connect/", destination_setup.destination_start, name="destination_start"
    ),
    path(
        "destinations/<slug:destination_type>/cancel/", destination_setup.destination_cancel, name="destination_cancel"
    ),
    path(
        "destinations/<slug:destination_type>/setup/<slug:key>/",
        destination_setup.destination_step,
        name="destination_step",
    ),
    path("destinations/<slug:destination_type>/", destination_page.destination_detail, name="destination_detail"),
    path("destinations/<slug:destination_type>/live/", destination_page.destination_live, name="destination_live"),
    path("destinations/<slug:destination_type>/pause/", destination_page.destination_pause, name="destination_pause"),
    path(
        "destinations/<slug:destination_type>/resume/", destination_page.destination_resume, name="destination_resume"
    ),
    path(
        "destinations/<slug:destination_type>/replay/", destination_page.destination_replay, name="destination_replay"
    ),
    path(
        "destinations/<slug:destination_type>/sending/",
        destination_page.destination_sending,
        name="destination_sending",
    ),
    path(
        "destinations/<slug:destination_type>/erasures/<int:erasure_id>/done/",
        destination_page.destination_erasure_done,
        name="destination_erasure_done",
    ),
]
