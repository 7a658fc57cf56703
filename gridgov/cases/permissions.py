"""Actions on residents' matters (民情事项): registering one for a resident, handling it, and
supervising (督办, approving extensions)."""

from django.utils.translation import gettext_lazy as _

from gridgov.accounts.roles import Role
from gridgov.core.permissions import register_action

_HANDLERS = [
    Role.COUNTY_ADMIN,
    Role.TOWN_CADRE,
    Role.VILLAGE_CADRE,
    Role.GROUP_LEADER,
    Role.GRID_WORKER,
]

# Linked party members register matters for the households they link (代群众登记).
REPORT_MATTER = register_action(
    "report_matter", _("登记民情事项"), held_by=[*_HANDLERS, Role.LINKED_MEMBER], app="cases"
)
HANDLE_MATTER = register_action("handle_matter", _("办理民情事项"), held_by=_HANDLERS, app="cases")
SUPERVISE_MATTER = register_action(
    "supervise_matter",
    _("督办与批准延期"),
    held_by=[Role.COUNTY_ADMIN, Role.TOWN_CADRE, Role.VILLAGE_CADRE],
    app="cases",
)
