"""Pages of residents' matters (民情事项): staff's list, intake, detail and steps (``matters``),
the inbox, the measures, and the residents' own pages under /p/ (``public``)."""

from .inbox import inbox, inbox_read, inbox_unread
from .matters import matter_act_view, matter_detail, matter_new, matter_photo, matters
from .measures import matter_measures_page

__all__ = [
    "inbox",
    "inbox_read",
    "inbox_unread",
    "matter_act_view",
    "matter_detail",
    "matter_measures_page",
    "matter_new",
    "matter_photo",
    "matters",
]
