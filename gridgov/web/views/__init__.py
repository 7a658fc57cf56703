"""Pages of the shell: home, the grid node page and search (they combine apps)."""

from .grid import home, node_children, node_detail
from .search import search

__all__ = ["home", "node_children", "node_detail", "search"]
