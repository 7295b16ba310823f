"""The core's destinations: the outbox the one ingest path writes, and its delivery.

Destination-agnostic: a destination package (integrations.activate) supplies the client and the
mapping; this package holds the state of every record on its way out.
"""
