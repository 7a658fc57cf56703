from django.contrib import admin

from .models import ApiToken, Assignment


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "node"]
    list_filter = ["role"]
    raw_id_fields = ["user", "node"]
    search_fields = ["user__username", "node__code", "node__name"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
