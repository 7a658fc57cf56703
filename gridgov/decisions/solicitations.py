"""Asking the households before deciding (征求意见; 000: the micro-grid party groups ask
residents about each planned important matter, "从群众中来、到群众中去").

A solicitation makes one task per household of the matter's place, held by the party group of
the household's micro-grid and, where the household is linked, its linker (党员联户). Answers
(support, oppose, suggestion) come from a visit, a call, the contact card or a meeting; the
coverage per micro-grid shows on the matter, and a county may require a minimum before a stage
opens (``rules.SOLICITATION_MIN_COVERAGE``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.audit import audit_record, snapshot
from gridgov.core.scoping import subtree_q
from gridgov.core.services import acting_as, acting_user_check
from gridgov.grid.models import GridNode
from gridgov.links.models import Link
from gridgov.orgs.models import OrgKind, PartyOrganization
from gridgov.people.models import Household

from .models import Matter, MatterStatus, OpinionChannel, OpinionTask, Solicitation, Stance
from .rolls import village_of


@dataclass
class OpinionCoverage:
    """Households asked and answered, and the answers by stance."""

    label: str
    total: int = 0
    answered: int = 0
    support: int = 0
    oppose: int = 0
    suggestion: int = 0

    @property
    def share_text(self) -> str:
        if not self.total:
            return "—"
        return f"{self.answered * 100 // self.total}%"


def _party_groups(village: GridNode) -> Callable[[str], int | None]:
    """The party group that holds a micro-grid's households: the one on the micro-grid, else
    the nearest one above it in the village (a group's party group covers its micro-grids)."""
    by_code = dict(
        PartyOrganization.objects.filter(
            subtree_q("grid_path", village.code), kind=OrgKind.PARTY_GROUP
        )
        .order_by("-id")
        .values_list("node__code", "id")
    )

    def group_of(code: str) -> int | None:
        while len(code) > len(village.code):
            if code in by_code:
                return by_code[code]
            code = code[:-3]
        return None

    return group_of


@transaction.atomic
def solicitation_create(
    *, matter: Matter, question: str, closes_on: dt.date, by: Any
) -> Solicitation:
    """Open a solicitation on a matter being decided: one task per household of its place."""
    acting_user_check(by)
    with acting_as(by):
        if matter.status != MatterStatus.OPEN:
            raise ValidationError({"matter": _("只有办理中的事项可以征求意见")})
        question = question.strip()
        if len(question) < 4:
            raise ValidationError({"question": _("请写明征求意见的内容")})
        if closes_on < timezone.localdate():
            raise ValidationError({"closes_on": _("截止日期不能早于今天")})
        if Solicitation.objects.filter(matter=matter, closes_on__gte=timezone.localdate()).exists():
            raise ValidationError({"matter": _("该事项已有进行中的意见征求")})
        solicitation = Solicitation.objects.create(
            matter=matter,
            grid_path=matter.grid_path,
            question=question,
            opened_at=timezone.now(),
            closes_on=closes_on,
            opened_by=by,
        )
        place = matter.node.code
        households = list(
            Household.objects.filter(subtree_q("grid_path", place)).values_list(
                "id", "microgrid_id", "microgrid__code"
            )
        )
        group_of = _party_groups(village_of(matter.node))
        linkers = dict(
            Link.objects.filter(
                subtree_q("grid_path", place),
                start_on__lte=timezone.localdate(),
                end_on__isnull=True,
            ).values_list("household_id", "linker_id")
        )
        OpinionTask.objects.bulk_create(
            [
                OpinionTask(
                    solicitation=solicitation,
                    grid_path=code,
                    household_id=hid,
                    microgrid_id=mg,
                    party_group_id=group_of(code),
                    linker_id=linkers.get(hid),
                )
                for hid, mg, code in households
            ],
            batch_size=1000,
        )
        audit_record(
            action="create",
            instance=solicitation,
            after={**snapshot(solicitation), "households": len(households)},
        )
        return solicitation


@transaction.atomic
def opinion_record(
    *, task: OpinionTask, stance: str, by: Any, text: str = "", channel: str = OpinionChannel.VISIT
) -> OpinionTask:
    """Record a household's answer (once: a second answer is refused, so nothing is
    overwritten)."""
    acting_user_check(by)
    with acting_as(by):
        task = (
            OpinionTask.objects.select_for_update(of=("self",))
            .select_related("solicitation")
            .get(pk=task.pk)
        )
        if task.answered_at is not None:
            raise ValidationError({"stance": _("该户的意见已登记")})
        if task.solicitation.closes_on < timezone.localdate():
            raise ValidationError({"stance": _("意见征求已截止")})
        if stance not in Stance.values:
            raise ValidationError({"stance": _("请选择支持、反对或建议")})
        if channel not in OpinionChannel.values:
            raise ValidationError({"channel": _("请选择征求方式")})
        text = text.strip()
        if stance == Stance.SUGGESTION and not text:
            raise ValidationError({"text": _("请填写建议内容")})
        task.stance = stance
        task.text = text[:500]
        task.channel = channel
        task.answered_at = timezone.now()
        task.answered_by = by
        task.save(update_fields=["stance", "text", "channel", "answered_at", "answered_by"])
        audit_record(
            action="update",
            instance=task,
            after={"stance": task.stance, "channel": task.channel, "answered_at": task.answered_at},
        )
        return task


_FIGURES = {
    "total": Count("id"),
    "answered": Count("id", filter=Q(answered_at__isnull=False)),
    "support": Count("id", filter=Q(stance=Stance.SUPPORT)),
    "oppose": Count("id", filter=Q(stance=Stance.OPPOSE)),
    "suggestion": Count("id", filter=Q(stance=Stance.SUGGESTION)),
}


def _figures(rows: Any) -> dict[str, int]:
    figures: dict[str, int] = rows.aggregate(**_FIGURES)
    return figures


def matter_coverage(matter: Matter) -> OpinionCoverage:
    """The coverage of the matter's latest solicitation (empty when none)."""
    latest = matter.solicitations.order_by("-opened_at", "-id").first()
    if latest is None:
        return OpinionCoverage(label=str(_("全部")))
    return OpinionCoverage(label=str(_("全部")), **_figures(latest.tasks.all()))


def coverage_by_microgrid(solicitation: Solicitation) -> list[OpinionCoverage]:
    """The coverage of each micro-grid, in the grid's order."""
    rows = (
        solicitation.tasks.values("microgrid_id", "microgrid__code", "microgrid__name")
        .annotate(**_FIGURES)
        .order_by("microgrid__code")
    )
    return [
        OpinionCoverage(label=row["microgrid__name"], **{k: row[k] for k in _FIGURES})
        for row in rows
    ]
