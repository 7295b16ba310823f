"""The Activate stand-in's fixtures, for these tests only (the root conftest is shared)."""

from tests.fixtures.activate_sandbox import activate_sandbox, activate_sandbox_process

__all__ = ["activate_sandbox", "activate_sandbox_process"]
