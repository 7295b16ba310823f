"""The wizard's steps, in order, and where a connection stands in them.

The progress lives in the connection row (`Connection.wizard_step`: the last step completed),
never in the session, so a reload, the back button or two tabs on two drafts all find the
same place.
"""

from dataclasses import dataclass

from django.urls import reverse

from integrations.models import Connection


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    url_name: str | None  # None: the catalogue's choice, not a page of one connection

    def url(self, connection: Connection) -> str | None:
        if self.url_name is None:
            return None
        return reverse(self.url_name, kwargs={"public_id": connection.public_id})


STEPS: tuple[Step, ...] = (
    Step("connector", "Connector", None),
    Step("preset", "Preset", "wizard:step_preset"),
    Step("credentials", "Credentials", "wizard:step_credentials"),
    Step("settings", "Connection settings", "wizard:step_settings"),
    Step("products", "Products", "wizard:step_products"),
    Step("contacts", "Contacts and orders", "wizard:step_contacts"),
    Step("summary", "Summary", "wizard:step_summary"),
    Step("activate", "Activate", "wizard:step_activate"),
)
KEYS = tuple(step.key for step in STEPS)
BY_KEY = {step.key: step for step in STEPS}


def step_number(key: str) -> int:
    return KEYS.index(key) + 1


def completed_index(connection: Connection) -> int:
    """Index of the last completed step; a draft exists once its connector was chosen."""
    return KEYS.index(connection.wizard_step) if connection.wizard_step in KEYS else 0


def is_draft(connection: Connection) -> bool:
    return connection.status == Connection.Status.DRAFT


def step_reachable(connection: Connection, key: str) -> bool:
    """A draft goes one step beyond what it completed; a connection past its draft, anywhere."""
    if not is_draft(connection):
        return True
    return KEYS.index(key) <= completed_index(connection) + 1


def next_step(connection: Connection) -> Step:
    """Where a draft resumes: the first step not completed."""
    return STEPS[min(completed_index(connection) + 1, len(STEPS) - 1)]


def step_after(key: str) -> Step:
    return STEPS[min(KEYS.index(key) + 1, len(STEPS) - 1)]


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


def step_before(key: str) -> Step | None:
    index = KEYS.index(key)
    return STEPS[index - 1] if index > 1 else None


def indicator(connection: Connection | None, current: str) -> list[dict]:
    """The step indicator: each step with its state and, when it may be visited, its link."""
    # A connector not created yet: only the steps before this one are behind it.
    done = completed_index(connection) if connection is not None else KEYS.index(current) - 1
    items = []
    for index, step in enumerate(STEPS):
        if step.key == current:
            state = "current"
        elif index <= done:
            state = "done"
        else:
            state = "todo"
        reachable = connection is not None and step.url_name is not None and step_reachable(connection, step.key)
        items.append(
            {
                "number": index + 1,
                "key": step.key,
                "title": step.title,
                "state": state,
                "url": step.url(connection) if reachable and state != "current" else None,
            }
        )
    return items
