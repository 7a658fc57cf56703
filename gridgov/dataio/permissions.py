"""Actions on whole lists: importing a spreadsheet and exporting one.

The village affairs supervision committee may export what it supervises; it changes nothing, so
it imports nothing."""

from django.utils.translation import gettext_lazy as _

from gridgov.accounts.roles import Role
from gridgov.core.permissions import register_action

_REGISTRY_KEEPERS = [Role.COUNTY_ADMIN, Role.TOWN_CADRE, Role.VILLAGE_CADRE]

IMPORT = register_action("import", _("导入"), held_by=_REGISTRY_KEEPERS, app="dataio")
EXPORT = register_action(
    "export", _("导出"), held_by=[*_REGISTRY_KEEPERS, Role.SUPERVISOR], app="dataio"
)
