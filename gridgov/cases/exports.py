"""The matters ledger (民情事项台账) as a table, for export to Excel or CSV.

One row per matter, with what a town or village keeps in its ledger: where, what, who holds it,
the deadline, when and how it was settled and answered. The reporter's name and phone are
masked: a ledger travels by e-mail and chat groups, and the people who raised a matter are not
its business. For the same reason the citizen IDs, mobile and bank card numbers written into a
matter's content or answer are masked (``core.freetext``); the matter's page keeps them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.core.choices import choice_label
from gridgov.core.crypto import mask_name, mask_phone
from gridgov.core.freetext import mask_free_text

from .models import OPEN_STATUSES, Matter

MASKED_NOTE = gettext_lazy(
    "注：反映人姓名和电话，以及内容和答复中的身份证号、手机号、银行卡号已脱敏。"
)
CHUNK = 2000


def _when(value: Any) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def _yes_no(value: bool | None) -> str:
    return "" if value is None else (_("是") if value else _("否"))


def _reporter(m: Matter) -> str:
    if m.anonymous:
        return _("匿名")
    return mask_name(m.reporter_name) if m.reporter_name_cipher else ""


def _columns() -> list[tuple[str, Callable[[Matter], Any]]]:
    """The ledger's columns: header (in the request's language) and value of a matter."""
    now = timezone.now()
    return [
        (_("编号"), lambda m: m.number),
        (_("类别"), lambda m: m.category.name),
        (_("内容"), lambda m: mask_free_text(m.description)),
        (_("来源渠道"), lambda m: choice_label(m, "channel")),
        (_("状态"), lambda m: choice_label(m, "status")),
        (_("所在网格"), lambda m: m.grid_node.name),
        (_("网格代码"), lambda m: m.grid_path),
        (_("承办层级"), lambda m: m.handler_node.name),
        (_("承办部门"), lambda m: m.department.name if m.department_id else ""),
        (_("承办人"), lambda m: m.assignee.username if m.assignee_id else ""),
        (_("受理时间"), lambda m: _when(m.received_at)),
        (_("办理期限"), lambda m: _when(m.deadline)),
        (_("已逾期"), lambda m: _yes_no(m.status in OPEN_STATUSES and m.deadline < now)),
        (_("上报次数"), lambda m: m.escalation_count),
        (_("办结时间"), lambda m: _when(m.settled_at)),
        (_("按期办结"), lambda m: _yes_no(m.settled_on_time)),
        (_("答复"), lambda m: mask_free_text(m.answer)),
        (_("满意度"), lambda m: choice_label(m, "satisfaction") if m.satisfaction else ""),
        (_("反映人"), _reporter),
        (_("联系电话"), lambda m: mask_phone(m.reporter_phone) if m.reporter_phone_cipher else ""),
    ]


def matters_table(queryset: QuerySet[Matter]) -> tuple[list[str], Iterator[list[Any]]]:
    """Headers and rows of ``queryset`` (already restricted to what the user may export),
    read in chunks with the rows they show."""
    columns = _columns()
    rows = queryset.for_display().order_by("received_at", "id").iterator(chunk_size=CHUNK)
    return [header for header, _value in columns], (
        [value(m) for _header, value in columns] for m in rows
    )
