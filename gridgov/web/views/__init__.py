"""Pages of the web UI, one module per area; thin: they read through selectors and call services."""

from .grid import home, node_children, node_detail
from .imports import (
    import_commit,
    import_job,
    import_page,
    import_progress,
    import_report,
    import_template,
)
from .search import search

__all__ = [
    "home",
    "import_commit",
    "import_job",
    "import_page",
    "import_progress",
    "import_report",
    "import_template",
    "node_children",
    "node_detail",
    "search",
]
