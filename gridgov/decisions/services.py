"""Running an important matter through its procedure: the matter, its stages and the meetings
that decide them. Every change is atomic and audited with an explicit acting user, and refuses
what the law refuses with the field, the rule and its citation.

The order is enforced here, not in the pages: a stage takes a meeting only while it is the
matter's current stage, only after every objection of the supervision committee on the stages
before it was answered, and only when the opinions asked of the households reach the coverage a
county requires. Reviews, notices and opinions live in their own modules (``reviews``,
``notices``, ``solicitations``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.scope import user_may
from gridgov.core.audit import audit_record, snapshot
from gridgov.core.rules import rule_value
from gridgov.core.services import acting_as, acting_user_check
from gridgov.grid.models import GridLevel, GridNode

from .meetings import check_notice, effective_record
from .models import (
    Matter,
    MatterKind,
    MatterStatus,
    Meeting,
    MeetingAmendment,
    MeetingStatus,
    Procedure,
    Stage,
    StageKind,
    StageStatus,
)
from .permissions import CONFIRM_OVERRIDE, MANAGE_MATTERS
from .procedures import DECIDING_BODIES, stages_of
from .rules import LARGE_AMOUNT, MATTER_KINDS, MERGE_FIRST_TWO
from .stages import (
    advance,
    check_body,
    check_stage_may_meet,
    check_stage_may_proceed,
    current_stage,
    lock_matter,
)


def _now() -> dt.datetime:
    return timezone.now()


# -- The important-matters list --------------------------------------------------------------


def kinds_for(node: GridNode) -> list[MatterKind]:
    """The kinds on the lists of ``node``'s county and town (the nearest list wins a code)."""
    prefixes = [node.code[:n] for n in (6, 9) if len(node.code) >= n]
    kinds = MatterKind.objects.filter(grid_path__in=prefixes, active=True).order_by(
        "grid_path", "id"
    )
    chosen: dict[str, MatterKind] = {}
    for kind in kinds:
        chosen[kind.code] = kind  # a town's own entry replaces the county's of the same code
    return list(chosen.values())


@transaction.atomic
def matter_kinds_seed(*, county: GridNode, by: Any) -> list[MatterKind]:
    """Put the default important-matters list (``rules.MATTER_KINDS``) on a county that has
    none yet; a county keeps what it already has."""
    acting_user_check(by)
    if county.level != GridLevel.COUNTY:
        raise ValidationError({"node": _("重要事权清单设在区县")})
    with acting_as(by):
        have = set(MatterKind.objects.filter(grid_path=county.code).values_list("code", flat=True))
        made = []
        for entry in rule_value(MATTER_KINDS):
            if entry["code"] in have:
                continue
            kind = MatterKind.objects.create(
                grid_path=county.code,
                code=entry["code"],
                name=entry["name"],
                procedure=entry["procedure"],
            )
            audit_record(action="create", instance=kind, after=snapshot(kind))
            made.append(kind)
        return made


def large_amount_for(node: GridNode) -> Decimal:
    """The township's threshold of a "large" sum (数额较大), or the county default."""
    table = rule_value(LARGE_AMOUNT)
    town = node.code[:9]
    return Decimal(str(table.get(town, table.get("default", 0))))


# -- Matters ---------------------------------------------------------------------------------


@transaction.atomic
def matter_create(
    *,
    node: GridNode,
    kind: MatterKind,
    title: str,
    by: Any,
    amount: Decimal | None = None,
    description: str = "",
) -> Matter:
    """Register an important matter of a village or group and open its first stage."""
    acting_user_check(by)
    with acting_as(by):
        if node.level not in (GridLevel.VILLAGE, GridLevel.GROUP):
            raise ValidationError({"node": _("重要事项须属于一个村或村民小组")})
        if kind.pk not in {k.pk for k in kinds_for(node)}:
            raise ValidationError({"kind": _("该类别不在本村适用的重要事权清单上")})
        if kind.procedure == Procedure.GROUP and node.level != GridLevel.GROUP:
            raise ValidationError({"node": _("组民商议的事项须属于一个村民小组")})
        title = title.strip()
        if not title:
            raise ValidationError({"title": _("请填写事项名称")})
        if amount is not None and amount < 0:
            raise ValidationError({"amount": _("金额不能为负数")})
        threshold = large_amount_for(node)
        if (
            amount is not None
            and amount >= threshold
            and kind.procedure in (Procedure.GROUP, Procedure.BRANCH)
        ):
            raise ValidationError(
                {
                    "amount": _(
                        "金额达到本镇大额标准（%(limit)s元），须按四议两公开或集体经济组织程序决策"
                    )
                    % {"limit": threshold}
                }
            )
        matter = Matter(
            number=uuid.uuid4().hex[:20],
            title=title[:200],
            kind=kind,
            procedure=kind.procedure,
            node=node,
            grid_path=node.code,
            amount=amount,
            description=description.strip(),
            created_by=by,
        )
        matter.full_clean(exclude=["number"])
        matter.save()
        matter.number = f"D{timezone.localdate():%Y%m%d}{matter.pk:06d}"
        matter.save(update_fields=["number"])
        merge = bool(rule_value(MERGE_FIRST_TWO)) and matter.procedure == Procedure.FOUR_TWO
        Stage.objects.bulk_create(
            [
                Stage(
                    matter=matter,
                    grid_path=matter.grid_path,
                    order=order,
                    kind=kind_code,
                    merged_with_next=merge and kind_code == StageKind.PROPOSAL,
                )
                for order, kind_code in enumerate(stages_of(matter.procedure), start=1)
            ]
        )
        first = matter.stages.order_by("order").first()
        assert first is not None
        first.status = StageStatus.OPEN
        first.opened_at = _now()
        first.save(update_fields=["status", "opened_at"])
        audit_record(action="create", instance=matter, after=snapshot(matter))
        return matter


@transaction.atomic
def matter_withdraw(*, matter: Matter, reason: str, by: Any) -> Matter:
    """Withdraw a matter that is still being decided (撤回), with a reason."""
    acting_user_check(by)
    with acting_as(by):
        matter = lock_matter(matter.pk)
        if matter.status != MatterStatus.OPEN:
            raise ValidationError({"status": _("只有办理中的事项可以撤回")})
        if not reason.strip():
            raise ValidationError({"reason": _("请写明撤回原因")})
        before = snapshot(matter)
        matter.status = MatterStatus.WITHDRAWN
        matter.withdrawn_reason = reason.strip()[:200]
        matter.save(update_fields=["status", "withdrawn_reason", "updated_at"])
        audit_record(action="update", instance=matter, before=before, after=snapshot(matter))
        return matter


# -- Meetings --------------------------------------------------------------------------------


_check_body = check_body  # the name the first pages used


@transaction.atomic
def meeting_schedule(
    *,
    stage: Stage,
    body: str,
    held_at: dt.datetime,
    by: Any,
    place: str = "",
    notice_given_on: dt.date | None = None,
) -> Meeting:
    """Announce a meeting for the matter's current stage (会议通知). The notice date is today
    unless an earlier paper notice is named; it is never in the future."""
    acting_user_check(by)
    with acting_as(by):
        lock_matter(stage.matter_id)
        stage = Stage.objects.select_related("matter").get(pk=stage.pk)
        check_stage_may_meet(stage)
        check_body(stage, body)
        if timezone.is_naive(held_at):
            held_at = timezone.make_aware(held_at)
        today = timezone.localdate()
        notice_given_on = notice_given_on or today
        if notice_given_on > today:
            raise ValidationError({"notice_given_on": _("通知日期不能晚于今天")})
        check_notice(
            body=body, notice_given_on=notice_given_on, held_on=timezone.localdate(held_at)
        )
        meeting = Meeting(
            stage=stage,
            grid_path=stage.grid_path,
            body=body,
            held_at=held_at,
            place=place.strip()[:100],
            notice_given_on=notice_given_on,
        )
        meeting.save()
        audit_record(action="create", instance=meeting, after=snapshot(meeting))
        return meeting


def _locked(meeting: Meeting) -> Meeting:
    """The meeting read afresh under its matter's lock, with its stage and matter."""
    lock_matter(Stage.objects.values_list("matter_id", flat=True).get(pk=meeting.stage_id))
    return Meeting.objects.select_related("stage__matter").get(pk=meeting.pk)


def _check_may(by: Any, action: str, meeting: Meeting) -> None:
    """An override is asked for and confirmed by people authorised where the matter is."""
    if by is not None and not user_may(by, action, meeting.grid_path):
        raise ValidationError({"meeting": _("您无权在此村办理会议特别通过")})


@transaction.atomic
def meeting_override_request(*, meeting: Meeting, reason: str, by: Any) -> Meeting:
    """Ask that a meeting which failed its quorum or majority carry its stage all the same
    (特别通过). A second authorised person confirms it (``meeting_override_confirm``)."""
    acting_user_check(by)
    with acting_as(by):
        meeting = _locked(meeting)
        _check_may(by, MANAGE_MATTERS, meeting)
        if meeting.status != MeetingStatus.CLOSED or meeting.passed:
            raise ValidationError({"meeting": _("只有已记录且未通过的会议才能申请特别通过")})
        if meeting.overridden:
            raise ValidationError({"meeting": _("该会议已特别通过")})
        if len(reason.strip()) < 4:
            raise ValidationError({"reason": _("请写明特别通过的理由")})
        stage = meeting.stage
        if current_stage(stage.matter) != stage:
            raise ValidationError({"meeting": _("该环节已结束")})
        before = snapshot(meeting)
        meeting.override_reason = reason.strip()[:300]
        meeting.override_requested_by = by
        meeting.save(update_fields=["override_reason", "override_requested_by"])
        audit_record(action="update", instance=meeting, before=before, after=snapshot(meeting))
        return meeting


@transaction.atomic
def meeting_override_confirm(*, meeting: Meeting, by: Any) -> Meeting:
    """Confirm an override as the second authorised person: the stage then passes, and the
    override is printed on the minutes and the notice."""
    acting_user_check(by)
    with acting_as(by):
        meeting = _locked(meeting)
        if not meeting.override_requested_by_id:
            raise ValidationError({"meeting": _("没有待确认的特别通过申请")})
        if meeting.overridden:
            raise ValidationError({"meeting": _("该会议已特别通过")})
        if by is None or meeting.override_requested_by_id == by.pk:
            raise ValidationError({"meeting": _("特别通过须由提出人以外的另一人确认")})
        _check_may(by, CONFIRM_OVERRIDE, meeting)
        stage = meeting.stage
        if current_stage(stage.matter) != stage:
            raise ValidationError({"meeting": _("该环节已结束")})
        check_stage_may_proceed(stage)
        before = snapshot(meeting)
        meeting.override_confirmed_by = by
        meeting.override_confirmed_at = _now()
        meeting.save(update_fields=["override_confirmed_by", "override_confirmed_at"])
        audit_record(action="update", instance=meeting, before=before, after=snapshot(meeting))
        advance(stage)
        return meeting


AMENDABLE = {"place", "chair", "summary"}


@transaction.atomic
def meeting_amend(
    *, meeting: Meeting, changes: dict[str, str], reason: str, by: Any
) -> MeetingAmendment:
    """Correct a closed meeting's record by a labelled amendment (更正): the record itself is
    never edited; the minutes show the original, the correction, who made it, when and why.

    Counts and votes are not amended: a miscounted vote is decided by meeting again."""
    acting_user_check(by)
    with acting_as(by):
        meeting = _locked(meeting)
        if meeting.status != MeetingStatus.CLOSED:
            raise ValidationError({"meeting": _("会议尚未记录，可直接修改通知")})
        unknown = set(changes) - AMENDABLE
        if unknown:
            raise ValidationError(
                {sorted(unknown)[0]: _("人数和表决结果不能更正；如有错误须重新召开会议")}
            )
        if not changes:
            raise ValidationError({"changes": _("请填写更正内容")})
        if len(reason.strip()) < 2:
            raise ValidationError({"reason": _("请写明更正原因")})
        current = effective_record(meeting)
        diff = {
            name: [current[name], str(value).strip()]
            for name, value in changes.items()
            if str(value).strip() != current[name]
        }
        if not diff:
            raise ValidationError({"changes": _("更正内容与原记录相同")})
        amendment = MeetingAmendment.objects.create(
            meeting=meeting,
            grid_path=meeting.grid_path,
            changes=diff,
            reason=reason.strip()[:300],
            by=by,
            at=_now(),
        )
        audit_record(action="create", instance=amendment, after=snapshot(amendment))
        return amendment


__all__ = [
    "DECIDING_BODIES",
    "kinds_for",
    "matter_create",
    "matter_kinds_seed",
    "matter_withdraw",
    "meeting_amend",
    "meeting_override_confirm",
    "meeting_override_request",
    "meeting_schedule",
]
