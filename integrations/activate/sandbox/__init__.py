"""A stand-in Spotler Activate: a separate process speaking the documented API over HTTP.

Standard library only, so it runs without Django (`python -m integrations.activate.sandbox`)
as well as through `manage.py activate_sandbox`. What the sources leave unknown is a switch
in `config.SandboxConfig` (docs/activate-facts.md says which and why).
"""
