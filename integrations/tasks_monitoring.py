"""Celery tasks of monitoring: retention purge, alert digests (imported by integrations.tasks)."""
