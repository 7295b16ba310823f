"""The wizard's steps, in order, and where a connection (or a destination) stands in them.

The progress lives in the row being set up (`wizard_step`: the last step completed), never in
the session, so a reload, the back button or two tabs on two drafts all find the same place.

A `Walk` is one kind of setup's steps: a connection's (`STEPS`, the module's functions) or a
destination's (declared by its spec, `wizard.destinations.destination_walk`). Both kinds of
row have a `wizard_step` and a "draft" status, so one walk's rules serve both.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from integrations.models import Connection

# The status of a row not set up yet, on connections and destinations alike.
DRAFT = Connection.Status.DRAFT


def _by_public_id(subject: Any, step: "Step") -> dict:
    return {"public_id": subject.public_id}


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    url_name: str | None  # None: the catalogue's choice, not a page of one connection
    # The address's arguments for a subject (a connection's public id by default).
    url_kwargs: Callable[[Any, "Step"], dict] = _by_public_id

    def url(self, subject: Any) -> str | None:
        if self.url_name is None:
            return None
        return reverse(self.url_name, kwargs=self.url_kwargs(subject, self))


def is_draft(subject: Any) -> bool:
    return subject.status == DRAFT


@dataclass(frozen=True)
class Walk:
    """One kind of setup's steps. The first is the catalogue's choice (done once a draft exists)."""

    steps: tuple[Step, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(step.key for step in self.steps)

    @property
    def by_key(self) -> dict[str, Step]:
        return {step.key: step for step in self.steps}

    def step_number(self, key: str) -> int:
        return self.keys.index(key) + 1

    def completed_index(self, subject: Any) -> int:
        """Index of the last completed step; a draft exists once its connector was chosen."""
        return self.keys.index(subject.wizard_step) if subject.wizard_step in self.keys else 0

    def step_reachable(self, subject: Any, key: str) -> bool:
        """A draft goes one step beyond what it completed; a subject past its draft, anywhere."""
        if not is_draft(subject):
            return True
        return self.keys.index(key) <= self.completed_index(subject) + 1

    def next_step(self, subject: Any) -> Step:
        """Where a draft resumes: the first step not completed."""
        return self.steps[min(self.completed_index(subject) + 1, len(self.steps) - 1)]

    def step_after(self, key: str) -> Step:
        return self.steps[min(self.keys.index(key) + 1, len(self.steps) - 1)]

    def step_before(self, key: str) -> Step | None:
        index = self.keys.index(key)
        return self.steps[index - 1] if index > 1 else None

    def step_complete(self, subject: Any, key: str) -> bool:
        """Marks a step completed (True when it moved on); going back never loses later progress."""
        if self.keys.index(key) <= self.completed_index(subject):
            return False
        subject.wizard_step = key
        type(subject).objects.filter(pk=subject.pk).update(wizard_step=key)
        return True

    def indicator(self, subject: Any | None, current: str) -> list[dict]:
        """The step indicator: each step with its state and, when it may be visited, its link."""
        # Nothing created yet: only the steps before this one are behind it.
        done = self.completed_index(subject) if subject is not None else self.keys.index(current) - 1
        items = []
        for index, step in enumerate(self.steps):
            if step.key == current:
                state = "current"
            elif index <= done:
                state = "done"
            else:
                state = "todo"
            reachable = subject is not None and step.url_name is not None and self.step_reachable(subject, step.key)
            items.append(
                {
                    "number": index + 1,
                    "key": step.key,
                    "title": step.title,
                    "state": state,
                    "url": step.url(subject) if reachable and state != "current" else None,
                }
            )
        return items


CONNECTION = Walk(
    (
        Step("connector", "Connector", None),
        Step("preset", "Preset", "wizard:step_preset"),
        Step("credentials", "Credentials", "wizard:step_credentials"),
        Step("settings", "Connection settings", "wizard:step_settings"),
        Step("products", "Products", "wizard:step_products"),
        Step("contacts", "Contacts and orders", "wizard:step_contacts"),
        Step("summary", "Summary", "wizard:step_summary"),
        Step("activate", "Activate", "wizard:step_activate"),
    )
)
STEPS = CONNECTION.steps
KEYS = CONNECTION.keys
BY_KEY = CONNECTION.by_key

# A connection's walk, as the connection's views use it.
step_number = CONNECTION.step_number
completed_index = CONNECTION.completed_index
step_reachable = CONNECTION.step_reachable
next_step = CONNECTION.next_step
step_after = CONNECTION.step_after
step_before = CONNECTION.step_before
indicator = CONNECTION.indicator

# The steps the default preset fills in: a default draft goes from its name (settings) straight
# to the summary, where each of them is one "Change" away. Manual walks through every step.
PRESET_FILLS = ("products", "contacts")
# A step opened with "Change" from the summary goes back to the summary once saved.
RETURN_TO_SUMMARY = "from=summary"


def preset_skips(connection: Connection, key: str) -> bool:
    """Whether the draft's preset fills in the step after `key`, so the summary comes next."""
    return (
        is_draft(connection) and connection.preset == Connection.Preset.DEFAULT and step_after(key).key in PRESET_FILLS
    )
