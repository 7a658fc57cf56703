"""Export of registry lists (导出) in the import columns, as XLSX or CSV.

Columns are the schema headers of the kind, values are the Chinese labels the importer reads,
so a non-personal export imports again as it is. Citizen IDs and phone numbers are written
masked (``id_masked``/``phone_masked``; nothing is decrypted) unless the caller asks for full
values (``reveal=True``: only for rows the user may reveal, with a reason, audited by the
caller); the sensitive columns (特殊人群, 残疾类别, 残疾等级, 大病重病, 健康状况) are always left
out. A first line says which, for the kinds that carry IDs or phones. Rows are read with ``.iterator(chunk_size=2000)`` over a queryset
that joins what a row needs (``select_related``), so an export is one query, and XLSX is
written in xlsxwriter's constant-memory mode.

The caller passes the queryset already restricted to what the user may export.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from gridgov.core.crypto import decrypt
from gridgov.core.tables import write_table
from gridgov.grid.models import GridNode
from gridgov.orgs.models import (
    BodyMembership,
    GovernanceBody,
    GridPost,
    PartyMember,
    PartyOrganization,
)
from gridgov.people.models import Household, Person

from .schemas import SCHEMAS

SENSITIVE_HEADERS = {"特殊人群", "残疾类别", "残疾等级", "大病重病", "健康状况"}
MASKED_NOTE = gettext_lazy("注：身份证号和电话已脱敏，敏感信息未导出。")
REVEALED_NOTE = gettext_lazy(
    "注：本文件含完整身份证号和电话，导出已记录在审计日志中；请妥善保管，用后删除。敏感信息未导出。"
)
CHUNK = 2000


def _labels(choices: dict[str, str]) -> dict[str, str]:
    """Stored code → the first Chinese label that means it."""
    labels: dict[str, str] = {}
    for label, code in choices.items():
        labels.setdefault(code, label)
    return labels


def _yes_no(value: Any) -> str:
    return "是" if value else "否"


@dataclass(frozen=True)
class ExportSpec:
    model: type
    related: tuple[str, ...]
    order: tuple[str, ...]
    row: Callable[[Any], list[Any]]
    personal: bool = False


def _choice(kind: str, key: str) -> Callable[[str], str]:
    labels = _labels(SCHEMAS[kind].column(key).choices)
    return lambda code: labels.get(code, code)


def _masked_id(person: Any) -> str:
    return person.id_masked


def _masked_phone(person: Any) -> str:
    return person.phone_masked


def _full_id(person: Any) -> str:
    return decrypt(person.id_cipher)


def _full_phone(person: Any) -> str:
    return decrypt(person.phone_cipher) if person.phone_cipher else ""


def _specs(reveal: bool = False) -> dict[str, ExportSpec]:
    cid, phone = (_full_id, _full_phone) if reveal else (_masked_id, _masked_phone)
    org_kind = _choice("party_orgs", "kind")
    body_kind = _choice("bodies", "kind")
    monitoring = _choice("households", "monitoring_type")
    sex, relation = _choice("persons", "sex"), _choice("persons", "relation")
    residence, left = _choice("persons", "residence_type"), _choice("persons", "left_behind")
    status = _choice("party_members", "status")
    role, post = _choice("memberships", "role"), _choice("grid_posts", "kind")
    return {
        "grid": ExportSpec(
            GridNode,
            (),
            ("code",),
            lambda n: [
                n.code,
                n.name,
                n.lat,
                n.lng,
                json.dumps(n.boundary, ensure_ascii=False) if n.boundary else "",
            ],
        ),
        "party_orgs": ExportSpec(
            PartyOrganization,
            ("parent",),
            ("grid_path", "code"),
            lambda o: [
                o.code,
                o.name,
                org_kind(o.kind),
                o.grid_path,
                o.parent.code if o.parent else "",
            ],
        ),
        "bodies": ExportSpec(
            GovernanceBody,
            (),
            ("grid_path", "code"),
            lambda b: [b.code, b.name, body_kind(b.kind), b.grid_path],
        ),
        "households": ExportSpec(
            Household,
            (),
            ("number",),
            lambda h: [
                h.number,
                h.grid_path,
                h.address,
                h.lat,
                h.lng,
                _yes_no(h.is_dibao),
                _yes_no(h.is_tekun),
                _yes_no(h.is_tuopin),
                monitoring(h.monitoring_type),
                _yes_no(h.is_military_family),
            ],
        ),
        "persons": ExportSpec(
            Person,
            ("household",),
            ("household_id", "id"),
            lambda p: [
                cid(p),
                p.name,
                sex(p.sex),
                p.birth_date,
                p.household.number,
                relation(p.relation),
                phone(p),
                residence(p.residence_type),
                left(p.left_behind),
                _yes_no(p.lives_alone),
            ],
            personal=True,
        ),
        "party_members": ExportSpec(
            PartyMember,
            ("person", "organization"),
            ("organization_id", "id"),
            lambda m: [
                cid(m.person),
                m.organization.code,
                status(m.status),
                m.joined_on,
                m.full_member_on,
                _yes_no(m.is_center_household),
                _yes_no(m.is_mobile),
            ],
            personal=True,
        ),
        "memberships": ExportSpec(
            BodyMembership,
            ("body", "person"),
            ("body_id", "id"),
            lambda m: [m.body.code, cid(m.person), role(m.role), m.term_start, m.term_end],
            personal=True,
        ),
        "grid_posts": ExportSpec(
            GridPost,
            ("person",),
            ("grid_path", "kind", "id"),
            lambda g: [g.grid_path, cid(g.person), post(g.kind), g.start_on, g.end_on],
            personal=True,
        ),
    }


def export_headers(kind: str) -> list[str]:
    return [h for h in SCHEMAS[kind].headers if h not in SENSITIVE_HEADERS]


def default_queryset(kind: str, *, under: str = "") -> QuerySet:
    """Everything of ``kind`` (under a grid code), for the command line."""
    spec = _specs()[kind]
    qs = spec.model.objects.all()
    return qs.within(under) if under else qs


def is_personal(kind: str) -> bool:
    """Whether the kind's rows carry citizen IDs or phone numbers."""
    return _specs()[kind].personal


def export_to(
    stream: BinaryIO, *, kind: str, queryset: QuerySet, fmt: str, reveal: bool = False
) -> int:
    """Write ``queryset`` as ``kind`` to ``stream`` (``xlsx`` or ``csv``); the rows written.
    ``reveal`` writes full IDs and phones: the caller has restricted the queryset to rows the
    user may reveal and audits the export with its reason."""
    spec = _specs(reveal)[kind]
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
