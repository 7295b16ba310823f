from integrations.models.accounts import Account, Membership
from integrations.models.alerts import AlertState
from integrations.models.connections import DISPATCHABLE_STATUSES, Connection
from integrations.models.exports import ExportFile, ExportSequence, SourceExport
from integrations.models.runs import KnownMinor, OutcomeDailyCount, RecordOutcome, SyncRun, WebhookEvent
from integrations.models.store import Contact, ContactSourceLink, Order, OrderLine, Product

__all__ = [
    "DISPATCHABLE_STATUSES",
    "Account",
    "AlertState",
    "Connection",
    "Contact",
    "ContactSourceLink",
    "ExportFile",
    "ExportSequence",
    "KnownMinor",
    "Membership",
    "Order",
    "OrderLine",
    "OutcomeDailyCount",
    "Product",
    "RecordOutcome",
    "SourceExport",
    "SyncRun",
    "WebhookEvent",
]
