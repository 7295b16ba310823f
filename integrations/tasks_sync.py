"""Celery tasks of product syncs, imports and reconciliation (imported by integrations.tasks)."""
