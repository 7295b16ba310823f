"""`manage.py activate_sandbox`: run the Spotler Activate stand-in (same as
`python -m integrations.activate.sandbox`).

The account id and API key it prints are demo values for the stand-in only.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from integrations.activate.sandbox import cli


class Command(BaseCommand):
    help = "Run the Spotler Activate stand-in: the documented API over HTTP, with a view of what it holds."

    def add_arguments(self, parser: CommandParser) -> None:
        cli.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        cli.run(options)
