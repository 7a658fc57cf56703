"""Where a matter stands, and what holds its next stage: the sequence itself, an unanswered
objection of the supervision committee, and the opinions the county requires first."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.audit import audit_record
from gridgov.core.rules import rule_value

from .models import (
    Matter,
    MatterStatus,
    MeetingBody,
    Review,
    ReviewVerdict,
    Stage,
    StageKind,
    StageStatus,
)
from .procedures import bodies_for
from .rules import SOLICITATION_MIN_COVERAGE, SUPERVISION_ANSWER_DAYS


def lock_matter(matter_id: int) -> Matter:
    """Lock a matter's row for the rest of the transaction. Every change to a matter's stages,
    meetings and notices takes this lock first, so two cadres recording at once are serialized
    and each sees the other's result (SQLite's writers are serialized anyway)."""
    return Matter.objects.select_for_update().get(pk=matter_id)


def current_stage(matter: Matter) -> Stage | None:
    """The first stage not yet passed (open or failed); None once every stage passed."""
    return matter.stages.exclude(status=StageStatus.PASSED).order_by("order").first()


def holding_objection(stage: Stage) -> Review | None:
    """An objection on an earlier stage that the two committees have not answered."""
    return (
        Review.objects.filter(
            stage__matter_id=stage.matter_id,
            stage__order__lt=stage.order,
            verdict=ReviewVerdict.OBJECTION,
            answered_at__isnull=True,
        )
        .order_by("at")
        .first()
    )


def check_stage_may_proceed(stage: Stage) -> None:
    """Refuse work on ``stage`` unless it is the matter's current stage and nothing holds it."""
    matter = stage.matter
    if matter.status == MatterStatus.WITHDRAWN:
        raise ValidationError({"stage": _("事项已撤回")})
    current = current_stage(matter)
    if current is None or current.pk != stage.pk:
        raise ValidationError(
            {
                "stage": _("须按程序顺序进行：当前环节是“%(current)s”")
                % {"current": current.get_kind_display() if current else _("已全部完成")}
            }
        )
    objection = holding_objection(stage)
    if objection is not None:
        raise ValidationError(
            {
                "stage": _(
                    "村务监督委员会对“%(stage)s”提出的异议尚未答复，下一环节暂停"
                    "（村民委员会组织法（2018）第三十二条；答复期限%(days)s天）"
                )
                % {
                    "stage": objection.stage.get_kind_display(),
                    "days": rule_value(SUPERVISION_ANSWER_DAYS),
                }
            }
        )
    required = (rule_value(SOLICITATION_MIN_COVERAGE) or {}).get(stage.kind)
    if required:
        from .solicitations import matter_coverage

        covered = matter_coverage(matter)
        if covered.total == 0 or covered.answered * 100 < int(required) * covered.total:
            raise ValidationError(
                {
                    "stage": _(
                        "征求意见覆盖率须达到%(required)s%%才能进行“%(stage)s”（当前%(share)s）"
                    )
                    % {
                        "required": required,
                        "stage": stage.get_kind_display(),
                        "share": covered.share_text,
                    }
                }
            )


def allowed_bodies(stage: Stage) -> tuple[str, ...]:
    """The bodies that may meet for ``stage``: its procedure's, or the two committees alone
    for a proposal merged with the consultation (``rules.MERGE_FIRST_TWO``)."""
    if stage.merged_with_next:
        return (MeetingBody.TWO_COMMITTEES,)
    return bodies_for(stage.kind)


def check_body(stage: Stage, body: str) -> None:
    """Refuse a body the procedure does not name for ``stage``, naming the field ``body``."""
    allowed = allowed_bodies(stage)
    if body not in allowed:
        raise ValidationError(
            {
                "body": _("“%(stage)s”须由%(bodies)s进行")
                % {
                    "stage": stage.get_kind_display(),
                    "bodies": "、".join(str(MeetingBody(b).label) for b in allowed) or "—",
                }
            }
        )


def check_stage_may_meet(stage: Stage) -> None:
    check_stage_may_proceed(stage)
    if stage.is_notice:
        raise ValidationError({"stage": _("公开环节通过发布公告完成，不开会议")})


def advance(stage: Stage) -> Stage | None:
    """Mark ``stage`` passed (and the stage merged into it), open the next one; the matter is
    decided once its decision is ready to disclose, done when every stage passed."""
    now = timezone.now()
    matter = stage.matter
    passed = [stage]
    if stage.merged_with_next:
        following = matter.stages.filter(order=stage.order + 1).first()
        if following is not None:
            passed.append(following)
    for item in passed:
        item.status = StageStatus.PASSED
        item.opened_at = item.opened_at or now
        item.closed_at = now
        item.save(update_fields=["status", "opened_at", "closed_at"])
        audit_record(
            action="update",
            instance=item,
            after={"status": item.status, "closed_at": item.closed_at},
        )
    following = matter.stages.filter(order__gt=passed[-1].order).order_by("order").first()
    new_status = matter.status
    if following is None:
        new_status = MatterStatus.DONE
    else:
        following.status = StageStatus.OPEN
        following.opened_at = now
        following.save(update_fields=["status", "opened_at"])
        if following.kind == StageKind.DECISION_NOTICE:
            new_status = MatterStatus.DECIDED
    if new_status != matter.status:
        matter.status = new_status
        matter.save(update_fields=["status", "updated_at"])
        audit_record(action="update", instance=matter, after={"status": new_status})
    return following


def fail(stage: Stage) -> None:
    """A meeting failed its quorum or majority: the stage must be held again (重新召开)."""
    if stage.status != StageStatus.FAILED:
        stage.status = StageStatus.FAILED
        stage.save(update_fields=["status"])
        audit_record(action="update", instance=stage, after={"status": stage.status})
