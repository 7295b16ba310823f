"""Admin for operators: what is healthy, what is not, and the buttons to fix it.

Synced data is read-only here: the source system owns it. Counts come from one annotated
query per page (integrations.selectors.monitoring), never a query per row. Every action ends
with a message per connection saying what happened or what to do next.
"""

from integrations.admin import accounts, connections, exports, history, store
from integrations.admin.connection_actions import run_for_each
from integrations.admin.connections import connection_admin_extend

__all__ = ["accounts", "connection_admin_extend", "connections", "exports", "history", "run_for_each", "store"]
