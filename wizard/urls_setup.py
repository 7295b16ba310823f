"""The setup wizard (steps 1–8) and a connection's pause, resume and delete.

Every step of a connection lives at its own address under the connection's public id, so
reloads, the back button and two tabs on two drafts each find their place.
"""

from django.urls import path

from wizard.views import activation, credentials, manage, setup, summary

urlpatterns = [
    # Step 1's catalogue, and step 2 of a connector not created yet.
    path("new/", setup.catalogue, name="catalogue"),
    path("new/<slug:connector_type>/", setup.preset_new, name="setup_new"),
    # Steps 2–8 of one connection.
    path("<uuid:public_id>/setup/", setup.setup_resume, name="setup_resume"),
    path("<uuid:public_id>/setup/preset/", setup.preset, name="step_preset"),
    path("<uuid:public_id>/setup/credentials/", credentials.credentials, name="step_credentials"),
    path("<uuid:public_id>/setup/settings/", setup.settings_step, name="step_settings"),
    path("<uuid:public_id>/setup/products/", setup.products, name="step_products"),
    path("<uuid:public_id>/setup/contacts/", setup.contacts, name="step_contacts"),
    path("<uuid:public_id>/setup/summary/", summary.summary, name="step_summary"),
    path("<uuid:public_id>/setup/preview/", summary.preview_status, name="preview_status"),
    path("<uuid:public_id>/setup/preview/run/", summary.preview_again, name="preview_run"),
    path("<uuid:public_id>/setup/activate/", activation.activate, name="step_activate"),
    path("<uuid:public_id>/setup/done/", activation.done, name="setup_done"),
    # A connection's lifecycle.
    path("<uuid:public_id>/pause/", manage.pause, name="connection_pause"),
    path("<uuid:public_id>/resume/", manage.resume, name="connection_resume"),
    path("<uuid:public_id>/delete/", manage.delete, name="connection_delete"),
]
