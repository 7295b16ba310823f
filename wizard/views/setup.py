"""Steps 1, 2, 4, 5 and 6: the catalogue, the preset, and the settings forms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from integrations.registry import connector_get, connectors_all
from integrations.selectors.accounts import account_for_user, connection_for_user
from wizard import steps
from wizard.forms import ContactsForm, PresetForm, ProductsForm, SettingsForm
from wizard.services import connector_setup, draft_create, preset_choose, preview_start, wizard_step_complete
from wizard.views.common import connector_label, load_step, posted, redirect_to, render_page, step_context, step_done


@login_required
@require_GET
def catalogue(request):
    """Step 1's "Add connector": every installed connector."""
    return render_page(request, "wizard/catalogue.html", step_context(None, "connector", connectors=connectors_all()))


@login_required
@require_GET
def setup_resume(request, public_id):
    """Where a connection's setup goes on: a draft at its first unfinished step."""
    connection = connection_for_user(request.user, public_id)
    step = steps.next_step(connection) if steps.is_draft(connection) else steps.BY_KEY["summary"]
    return redirect_to(request, step.url(connection))


@login_required
@require_http_methods(["GET", "POST"])
def preset_new(request, connector_type):
    """Step 2 of a connector not created yet: choosing the preset creates the draft."""
    if connector_get(connector_type) is None:
        raise Http404("No such connector.")
    account = account_for_user(request.user)
    if account is None:
        raise PermissionDenied("Your login does not belong to an account.")
    form = PresetForm(posted(request), initial={"preset": "default"})
    if request.method == "POST" and form.is_valid():
        connection = draft_create(account=account, connector_type=connector_type, preset=form.cleaned_data["preset"])
        return redirect_to(request, steps.BY_KEY["credentials"].url(connection))
    context = step_context(None, "preset", form=form, connector_type=connector_type)
    context["back_url"] = reverse("wizard:catalogue")
    return render_page(request, "wizard/preset.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def preset(request, public_id):
    connection, stop = load_step(request, public_id, "preset")
    if stop:
        return stop
    form = PresetForm(posted(request), initial={"preset": connection.preset or "default"})
    if request.method == "POST" and form.is_valid():
        preset_choose(connection=connection, preset=form.cleaned_data["preset"])
        if form.cleaned_data["preset"] == "default":
            messages.info(request, "The recommended settings were filled in on every step after the name.")
        return step_done(request, connection, "preset")
    return render_page(request, "wizard/preset.html", step_context(connection, "preset", form=form))


@login_required
@require_http_methods(["GET", "POST"])
def settings_step(request, public_id):
    """Step 4: the name (the venue's by default), the venue's time zone, the opt-in strategy."""
    connection, stop = load_step(request, public_id, "settings")
    if stop:
        return stop
    setup = connector_setup(connection)
    account = setup.account(connection=connection) if setup else None
    initial = {}
    first_visit = steps.completed_index(connection) < steps.KEYS.index("settings")
    if first_visit and account is not None and account.name:
        initial["name"] = account.name
    source = connector_label(connection.connector_type)
    form = SettingsForm(posted(request), instance=connection, initial=initial, source=source)
    if request.method == "POST" and form.is_valid():
        form.save()
        wizard_step_complete(connection=connection, key="settings")
        return step_done(request, connection, "settings")
    context = step_context(connection, "settings", form=form, account=account)
    return render_page(request, "wizard/settings.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def products(request, public_id):
    """Step 5: products and how often they are synchronised."""
    connection, stop = load_step(request, public_id, "products")
    if stop:
        return stop
    form = ProductsForm(posted(request), instance=connection)
    if request.method == "POST" and form.is_valid():
        form.save()
        wizard_step_complete(connection=connection, key="products")
        return step_done(request, connection, "products")
    setup = connector_setup(connection)
    label = connector_label(connection.connector_type)
    intro = (setup.products_intro if setup else "") or f"Your {label} products."
    return render_page(request, "wizard/products.html", step_context(connection, "products", form=form, intro=intro))


@login_required
@require_http_methods(["GET", "POST"])
def contacts(request, public_id):
    """Step 6: contacts (and with them orders), matching, minors, the first import's reach.

    Saving a draft starts the preview the summary shows, so it is often ready when it opens.
    """
    connection, stop = load_step(request, public_id, "contacts")
    if stop:
        return stop
    form = ContactsForm(posted(request), instance=connection)
    if request.method == "POST" and form.is_valid():
        form.save()
        wizard_step_complete(connection=connection, key="contacts")
        if not connection.contacts_enabled:
            messages.warning(request, "Contacts are off, so orders are off too: every order needs a contact.")
        if steps.is_draft(connection):
            # A live connection's settings page offers to run it again instead (it calls the source).
            preview_start(connection=connection)
        return step_done(request, connection, "contacts")
    return render_page(request, "wizard/contacts.html", step_context(connection, "contacts", form=form))
