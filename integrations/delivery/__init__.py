"""The core's destinations: the outbox the one ingest path writes, and its delivery.

Destination-agnostic: a destination package registers its client and mapping hooks as a
DestinationSpec (integrations.delivery.registry); this package holds the state of every
record on its way out.
"""
