from __future__ import annotations

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from .audit import audit_record, snapshot
from .models import AuditEntry, CalendarDay


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    """Read-only: the log is append-only; changing a row would break the chain."""

    list_display = ["at", "actor_name", "source", "action", "object_type", "object_repr"]
    list_filter = ["source", "action", "object_type"]
    search_fields = ["object_id", "object_repr", "actor_name", "request_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin[CalendarDay]):
    """Holidays and make-up working days entered over the packaged State Council calendar.

    A change moves the deadlines of residents' matters, so each one goes into the audit log.
    """

    list_display = ["date", "is_workday", "name", "note", "updated_at"]
    list_filter = ["is_workday"]
    search_fields = ["name", "note"]
    date_hierarchy = "date"

    def save_model(
        self, request: HttpRequest, obj: CalendarDay, form: ModelForm[CalendarDay], change: bool
    ) -> None:
        with transaction.atomic():
            before = snapshot(CalendarDay.objects.get(pk=obj.pk)) if change else None
            super().save_model(request, obj, form, change)
            audit_record(
                action="update" if change else "create",
                instance=obj,
                before=before,
                after=snapshot(obj),
            )

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        with transaction.atomic():
            audit_record(action="delete", instance=obj, before=snapshot(obj))
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        # The bulk "delete selected" action: one audit entry per day, like a single delete.
        for obj in queryset:
            self.delete_model(request, obj)
