"""A destination on the setup wizard: its walk, declared by its spec, and its draft.

A destination's spec (`integrations.delivery.registry.DestinationSpec.setup`, a
`integrations.setup.DestinationSetupSpec`) declares its steps; the wizard walks them with the
same rules as a connection's (`wizard.steps.Walk`), after the catalogue's choice. An account
has at most one destination of each type (a database constraint), so its pages live under
the type, and a user only ever reaches their own account's.
"""

import logging

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404

from integrations.delivery.models import Destination
from integrations.delivery.registry import DestinationSpec, destination_spec, destination_specs
from integrations.models import Account
from integrations.selectors.accounts import account_for_user
from integrations.setup import DestinationSetupSpec, SetupStep
from wizard.steps import Step, Walk

logger = logging.getLogger(__name__)

CHOICE = "destination"  # the catalogue's choice: done once the draft exists


def _by_type(destination: Destination, step: Step) -> dict:
    return {"destination_type": destination.destination_type, "key": step.key}


def spec_of(destination_type: str) -> DestinationSpec | None:
    try:
        return destination_spec(destination_type)
    except KeyError:
        return None


def setup_specs() -> list[DestinationSpec]:
    """The destinations that can be set up in the wizard."""
    return [spec for spec in destination_specs() if isinstance(spec.setup, DestinationSetupSpec)]


def destination_setup(destination_type: str) -> DestinationSetupSpec:
    """The destination's part of the wizard; 404 for a type that cannot be set up here."""
    spec = spec_of(destination_type)
    if spec is None or not isinstance(spec.setup, DestinationSetupSpec):
        raise Http404("This destination cannot be set up here.")
    return spec.setup


def destination_walk(setup: DestinationSetupSpec) -> Walk:
    steps = [Step(CHOICE, "Destination", None)]
    steps += [Step(step.key, step.title, "wizard:destination_step", url_kwargs=_by_type) for step in setup.steps]
    return Walk(tuple(steps))


def setup_step(setup: DestinationSetupSpec, key: str) -> SetupStep:
    for step in setup.steps:
        if step.key == key:
            return step
    raise Http404("No such step.")


def destinations_for_user(user) -> QuerySet[Destination]:
    account = account_for_user(user)
    if account is None:
        return Destination.objects.none()
    return Destination.objects.filter(account=account).order_by("name")


def destination_for_user(user, destination_type: str) -> Destination:
    """The user's account's destination of this type, or 404 (also for another account's)."""
    destination = destinations_for_user(user).filter(destination_type=destination_type).first()
    if destination is None:
        raise Http404("This account has no such destination.")
    return destination


def destination_draft_start(*, account: Account, destination_type: str) -> tuple[Destination, bool]:
    """The account's destination of this type: a new draft (True), or the one it has (False).

    One per account (the constraint destination_once_per_account): two tabs pressing "Connect"
    at once find the same row."""
    spec = destination_spec(destination_type)
    existing = Destination.objects.filter(account=account, destination_type=destination_type).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            destination = Destination.objects.create(
                account=account, destination_type=destination_type, name=spec.label, wizard_step=CHOICE
            )
    except IntegrityError:
        return Destination.objects.get(account=account, destination_type=destination_type), False
    logger.info("wizard: draft destination %s created", destination.pk)
    return destination, True


def destination_draft_cancel(destination: Destination) -> bool:
    """A setup given up before activation: the draft goes, and with it (on_delete=CASCADE)
    what its steps saved, the destination's settings with its encrypted key. Only a draft,
    checked in the delete itself so a setup activated a moment ago is never taken: a live
    destination's queue, log and open erasures are not a setup's to drop. Returns whether it went."""
    with transaction.atomic():
        deleted, _ = Destination.objects.filter(pk=destination.pk, status=Destination.Status.DRAFT).delete()
    if deleted:
        logger.info("wizard: draft destination %s cancelled", destination.pk)
    return bool(deleted)
