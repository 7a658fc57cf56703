"""Small template helpers of the web UI."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from gridgov.core.freetext import mask_free_text
from gridgov.core.scoping import may_anywhere as user_may_anywhere
from gridgov.grid.models import GridLevel

register = template.Library()


@register.filter
def age(birth_date: dt.date | None) -> int | str:
    """Whole years since the birth date, as a cadre would say a person's age (周岁)."""
    if not birth_date:
        return ""
    today = timezone.localdate()
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


@register.filter
def public_text(text: str | None) -> str:
    """Free text as published (residents' pages): citizen IDs, mobile and bank card numbers
    masked (``core.freetext``). Escaping is left to the filters after it."""
    return mask_free_text(text)


@register.filter
def level_label(level: str) -> str:
    return str(GridLevel(level).label) if level in GridLevel.values else level


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def json_brief(value, limit: int = 160) -> str:
    """An audit entry's before/after as short ``key=value`` text (never more than ``limit``)."""
    if not value:
        return ""
    if isinstance(value, dict):
        text = "，".join(f"{k}={v}" for k, v in value.items())
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@register.simple_tag(takes_context=True)
def may_anywhere(context, action: str) -> bool:
    """Whether the signed-in user may do ``action`` somewhere (menus hide what they cannot)."""
    return user_may_anywhere(context["request"].user, action)


@register.inclusion_tag("web/partials/counts.html")
def counts_line(counts, compact: bool = False):
    return {"counts": counts, "compact": compact}


@register.inclusion_tag("web/partials/pagination.html", takes_context=True)
def pagination(context, page):
    return {"page": page, "request": context["request"]}


@register.inclusion_tag("web/partials/export_links.html", takes_context=True)
def export_links(context):
    return {
        "request": context["request"],
        "may_export": context.get("may_export"),
        "may_export_full": context.get("may_export_full"),
    }
