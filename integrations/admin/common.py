"""What every admin page here shares: read-only pages, links to filtered lists, dates."""

import json

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def changelist_link(model, label: str, **filters) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return format_html('<a href="{}?{}">{}</a>', url, query, label)


def when(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else "never"


def pretty_json(value) -> str:
    return format_html('<pre style="white-space:pre-wrap;margin:0">{}</pre>', json.dumps(value, indent=2))
