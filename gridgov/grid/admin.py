from django.contrib import admin

from .models import GridNode


@admin.register(GridNode)
class GridNodeAdmin(admin.ModelAdmin[GridNode]):
    list_display = ["code", "name", "level", "households_count", "persons_count"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = [
        "households_count",
        "persons_count",
        "party_members_count",
        "organizations_count",
    ]
