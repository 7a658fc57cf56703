"""Pages of the web UI, one module per area; thin: they read through selectors and call services."""

from .audit import audit_log, roles
from .grid import home, node_children, node_detail
from .imports import (
    import_commit,
    import_job,
    import_page,
    import_progress,
    import_report,
    import_template,
)
from .orgs import body_detail, members, org_detail, org_report, orgs
from .people import (
    household_detail,
    households,
    person_detail,
    person_reveal_view,
    person_sensitive,
    persons,
)
from .search import search

__all__ = [
    "audit_log",
    "body_detail",
    "home",
    "household_detail",
    "households",
    "import_commit",
    "import_job",
    "import_page",
    "import_progress",
    "import_report",
    "import_template",
    "members",
    "node_children",
    "node_detail",
    "org_detail",
    "org_report",
    "orgs",
    "person_detail",
    "person_reveal_view",
    "person_sensitive",
    "persons",
    "roles",
    "search",
]
