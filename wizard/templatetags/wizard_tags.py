from django import template

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
