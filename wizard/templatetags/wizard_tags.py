import datetime as dt
import json

from django import template
from django.utils.dateformat import format as date_format

from wizard.forms import lookback_period

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`{{ explanations|get_item:value }}`: a dict's value in a template ("" when missing)."""
    if not mapping:
        return ""
    return mapping.get(key, mapping.get(str(key), ""))


@register.filter
def explained(bound_field) -> bool:
    """`{% if field|explained %}`: a field of explained choices (radio buttons with a sentence each)."""
    return hasattr(bound_field.field, "explanations")


@register.filter
def error_anchor(bound_field) -> str:
    """Where an error summary's link for a field points: the field, or for radio buttons (whose
    group has no id of its own) the first option."""
    if bound_field.id_for_label:
        return bound_field.id_for_label
    subwidgets = bound_field.subwidgets
    return subwidgets[0].id_for_label if subwidgets else bound_field.auto_id


# --- dates: one style on every page ("6 Nov 2026", "6 Nov 2026, 14:05") -----------------------

DATE = "j M Y"
DATE_TIME = "j M Y, H:i"
DAY_MONTH = "j M"  # where the year is plain from the context (a chart of the last 7 days)


def _as_date(value):
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value) if value else None
        except ValueError:
            return None
    return value


@register.filter
def as_date(value) -> str:
    """A date (or an ISO date string, as a stored preview has it)."""
    value = _as_date(value)
    return date_format(value, DATE) if value else ""


@register.filter(expects_localtime=True)
def as_date_time(value) -> str:
    """A moment, in the current time zone (the template's {% timezone %} when it sets one)."""
    return date_format(value, DATE_TIME) if value else ""


@register.filter
def as_day_month(value) -> str:
    return date_format(value, DAY_MONTH) if value else ""


@register.filter
def as_weekday(value) -> str:
    return date_format(value, "D") if value else ""


@register.filter
def as_period(days) -> str:
    """A look-back in days as people say it: "7 days", "2 years"."""
    return lookback_period(int(days))


@register.filter
def pretty(value) -> str:
    """A JSON body, indented for reading (the delivery log)."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
