"""A stand-in ROLLER API for tests and demos: pure Python, no Django.

Start it with `python -m integrations.roller.sandbox` or `manage.py roller_sandbox`; see
cli.py for the options and control.py for the /_sim/ control API.
"""
