"""Pages of the web UI, one module per area; thin: they read through selectors and call services."""

from .cases import matter_act_view, matter_detail, matter_new, matter_photo, matters
from .grid import home, node_children, node_detail
from .imports import (
    import_commit,
    import_job,
    import_page,
    import_progress,
    import_report,
    import_template,
)
from .inbox import inbox, inbox_read, inbox_unread
from .measures import matter_measures_page
from .search import search

__all__ = [
    "home",
    "import_commit",
    "import_job",
    "import_page",
    "import_progress",
    "import_report",
    "import_template",
    "inbox",
    "inbox_read",
    "inbox_unread",
    "matter_act_view",
    "matter_detail",
    "matter_measures_page",
    "matter_new",
    "matter_photo",
    "matters",
    "node_children",
    "node_detail",
    "search",
]
