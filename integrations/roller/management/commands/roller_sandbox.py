"""`manage.py roller_sandbox`: run the ROLLER API sandbox (same as
`python -m integrations.roller.sandbox`).

The client id and secret it prints are demo values for the sandbox only.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from integrations.roller.sandbox import cli


class Command(BaseCommand):
    help = "Run the ROLLER API sandbox: a stand-in ROLLER on seeded venue data."

    def add_arguments(self, parser: CommandParser) -> None:
        cli.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        cli.run(options)
