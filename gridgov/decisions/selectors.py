"""Reads of important matters: the one filter definition of each list, used by the pages, the
API and the export. Every read starts from a scoped queryset."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from gridgov.core.scoping import ScopedQuerySet

from .models import Matter, Notice


def matter_list(
    queryset: ScopedQuerySet[Matter],
    *,
    under: str = "",
    status: str = "",
    kind: str = "",
    q: str = "",
) -> QuerySet[Matter]:
    """The matters list's filters: place, status, kind code, number or words of the title."""
    qs = queryset.select_related("kind", "node")
    if under:
        qs = qs.within(under)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind__code=kind)
    if q:
        qs = qs.filter(Q(number=q) | Q(title__contains=q))
    return qs.order_by("-created_at", "-id")


def notice_list(
    queryset: ScopedQuerySet[Notice], *, under: str = "", kind: str = ""
) -> QuerySet[Notice]:
    """Notices, newest first: the village's public board and the cadres' list."""
    qs = queryset.select_related("node", "matter")
    if under:
        qs = qs.within(under)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-published_at", "-id")
