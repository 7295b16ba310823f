"""Celery tasks of monitoring: retention purge, alert digests, credentials re-checks (imported by
integrations.tasks)."""

from celery import shared_task

from integrations.services.alerts import alerts_send
from integrations.services.credentials import connections_credentials_recheck
from integrations.services.retention import retention_purge
from integrations.services.source_recovery import sources_probe


@shared_task(name="integrations.tasks_monitoring.purge_expired_data", soft_time_limit=30 * 60, time_limit=35 * 60)
def purge_expired_data() -> dict:
    result = retention_purge()
    return {"bodies_blanked": result.bodies_blanked, "outcomes_deleted": result.outcomes_deleted}


@shared_task(name="integrations.tasks_monitoring.send_alert_digests", soft_time_limit=120, time_limit=180)
def send_alert_digests() -> int:
    return len(alerts_send())


@shared_task(name="integrations.tasks_monitoring.probe_sources", soft_time_limit=60, time_limit=90)
def probe_sources() -> int:
    return sources_probe()


@shared_task(name="integrations.tasks_monitoring.recheck_refused_credentials", soft_time_limit=120, time_limit=180)
def recheck_refused_credentials() -> int:
    return connections_credentials_recheck()
