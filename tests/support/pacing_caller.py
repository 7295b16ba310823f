"""A process pacing ROLLER calls, for the tests that two processes share one pace
(tests/integrations/roller/test_pacing.py). Run as
`python -m tests.support.pacing_caller CLIENT_ID FAMILY CALLS START_AT`, with DATABASE_URL set:
it waits until START_AT (epoch seconds) so the processes overlap, paces CALLS calls and prints
the time each call was let go, one a line. `--create-table` makes the pacing table first (a
fresh SQLite file has none)."""

import os
import sys
import time

import django


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector_site.settings.test")
    os.environ["ROLLER_PACING_ENABLED"] = "true"
    django.setup()
    from django.conf import settings
    from django.db import connection

    from integrations.roller import pacing
    from integrations.roller.models import PacingSlot

    settings.ROLLER_PACING_ENABLED = True
    if argv[0] == "--create-table":
        with connection.schema_editor() as editor:
            editor.create_model(PacingSlot)
        return
    client_id, family, calls, start_at = argv[0], argv[1], int(argv[2]), float(argv[3])
    time.sleep(max(0.0, start_at - time.time()))
    for _ in range(calls):
        pacing.pace(client_id, family)
        print(time.time(), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
