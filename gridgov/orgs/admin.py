from django.contrib import admin

from .models import BodyMembership, GovernanceBody, GridPost, PartyMember, PartyOrganization


@admin.register(PartyOrganization)
class PartyOrganizationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "grid_path", "members_count"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    raw_id_fields = ["node", "parent"]


@admin.register(PartyMember)
class PartyMemberAdmin(admin.ModelAdmin):
    list_display = ["person", "organization", "status", "joined_on", "is_center_household"]
    list_filter = ["status", "is_center_household"]
    raw_id_fields = ["person", "organization"]


@admin.register(GovernanceBody)
class GovernanceBodyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "grid_path"]
    list_filter = ["kind"]
    raw_id_fields = ["node"]


@admin.register(BodyMembership)
class BodyMembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "body", "role", "term_start", "term_end"]
    raw_id_fields = ["person", "body"]


@admin.register(GridPost)
class GridPostAdmin(admin.ModelAdmin):
    list_display = ["node", "person", "kind", "start_on", "end_on"]
    raw_id_fields = ["node", "person"]
