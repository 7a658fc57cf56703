"""Export of registry lists (导出) in the import columns, as XLSX or CSV.

Columns are the schema headers of the kind, values are the Chinese labels the importer reads,
so a non-personal export imports again as it is. Citizen IDs and phone numbers are written
masked (``id_masked``/``phone_masked``; nothing is decrypted) unless the caller asks for full
values (``reveal=True``: only for rows the user may reveal, with a reason, audited by the
caller); the sensitive columns (特殊人群, 残疾类别, 残疾等级, 大病重病, 健康状况) are always left
out. A first line says which, for the kinds that carry IDs or phones. Rows are read with ``.iterator(chunk_size=2000)`` over a queryset
that joins what a row needs (``select_related``), so an export is one query, and XLSX is
written in xlsxwriter's constant-memory mode.

Each kind's export (``ExportSpec``) is registered with the kind by its app
(``gridgov.dataio.registry``). The caller passes the queryset already restricted to what the
user may export.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from gridgov.core.crypto import decrypt
from gridgov.core.tables import write_table

from .registry import EXPORTS
from .schemas import SCHEMAS, Column

SENSITIVE_HEADERS = {"特殊人群", "残疾类别", "残疾等级", "大病重病", "健康状况"}
MASKED_NOTE = gettext_lazy("注：身份证号和电话已脱敏，敏感信息未导出。")
REVEALED_NOTE = gettext_lazy(
    "注：本文件含完整身份证号和电话，导出已记录在审计日志中；请妥善保管，用后删除。敏感信息未导出。"
)
CHUNK = 2000


def yes_no(value: Any) -> str:
    return "是" if value else "否"


@dataclass(frozen=True)
class ExportSpec:
    """How a kind's rows are read and written: its model, the joins and order of the queryset,
    and a row in the kind's export columns (``export_headers``)."""

    model: type
    related: tuple[str, ...]
    order: tuple[str, ...]
    row: Callable[[Any], list[Any]]
    personal: bool = False


def column_labels(column: Column) -> Callable[[str], str]:
    """Stored code → the first Chinese label of ``column`` that means it (the code if none)."""
    labels: dict[str, str] = {}
    for label, code in column.choices.items():
        labels.setdefault(code, label)
    return lambda code: labels.get(code, code)


def _masked_id(person: Any) -> str:
    return person.id_masked


def _masked_phone(person: Any) -> str:
    return person.phone_masked


def _full_id(person: Any) -> str:
    return decrypt(person.id_cipher)


def _full_phone(person: Any) -> str:
    return decrypt(person.phone_cipher) if person.phone_cipher else ""


def person_id(reveal: bool) -> Callable[[Any], str]:
    """A person's citizen ID as an export writes it: masked unless ``reveal``."""
    return _full_id if reveal else _masked_id


def person_phone(reveal: bool) -> Callable[[Any], str]:
    """A person's phone as an export writes it: masked unless ``reveal``."""
    return _full_phone if reveal else _masked_phone


def _spec(kind: str, reveal: bool = False) -> ExportSpec:
    return EXPORTS[kind](reveal)


def export_headers(kind: str) -> list[str]:
    return [h for h in SCHEMAS[kind].headers if h not in SENSITIVE_HEADERS]


def default_queryset(kind: str, *, under: str = "") -> QuerySet:
    """Everything of ``kind`` (under a grid code), for the command line."""
    spec = _spec(kind)
    qs = spec.model.objects.all()
    return qs.within(under) if under else qs


def is_personal(kind: str) -> bool:
    """Whether the kind's rows carry citizen IDs or phone numbers."""
    return _spec(kind).personal


def export_to(
    stream: BinaryIO, *, kind: str, queryset: QuerySet, fmt: str, reveal: bool = False
) -> int:
    """Write ``queryset`` as ``kind`` to ``stream`` (``xlsx`` or ``csv``); the rows written.
    ``reveal`` writes full IDs and phones: the caller has restricted the queryset to rows the
    user may reveal and audits the export with its reason."""
    spec = _spec(kind, reveal)
    if queryset.model is not spec.model:
        raise ValueError(f"{kind} exports {spec.model.__name__}, not {queryset.model.__name__}")
    qs = queryset.select_related(*spec.related) if spec.related else queryset
    if not qs.query.order_by:
        qs = qs.order_by(*spec.order)
    rows = (spec.row(obj) for obj in qs.iterator(chunk_size=CHUNK))
    note = str(REVEALED_NOTE if reveal else MASKED_NOTE) if spec.personal else None
    return write_table(
        stream,
        fmt=fmt,
        title=SCHEMAS[kind].title,
        headers=export_headers(kind),
        rows=rows,
        note=note,
    )
