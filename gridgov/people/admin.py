from django.contrib import admin

from .models import Household, Person


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["number", "address", "grid_path", "is_dibao", "monitoring_type"]
    search_fields = ["number"]
    raw_id_fields = ["microgrid"]
    readonly_fields = ["grid_path"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Shows only masked identifiers; full values are revealed in the app, with a reason."""

    list_display = ["name", "id_masked", "sex", "birth_date", "grid_path"]
    search_fields = ["name"]
    raw_id_fields = ["household"]
    readonly_fields = ["id_masked", "phone_masked", "grid_path", "is_party_member"]
    exclude = ["id_cipher", "phone_cipher", "id_hash", "phone_hash"]
