"""The village affairs supervision committee's review of each stage (村务监督委员会监督;
VCOL (2018) Art. 32): a sign-off, or an objection with a reason that holds the next stage until
the two committees answer within ``rules.SUPERVISION_ANSWER_DAYS`` days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.audit import audit_record, snapshot
from gridgov.core.rules import rule_value
from gridgov.core.services import acting_as, acting_user_check

from .models import MatterStatus, MeetingStatus, Review, ReviewVerdict, Stage, StageStatus
from .rules import SUPERVISION_ANSWER_DAYS
from .stages import lock_matter


@transaction.atomic
def review_record(*, stage: Stage, verdict: str, by: Any, reason: str = "") -> Review:
    """Record the committee's review of a stage that has been held (a meeting recorded or a
    notice published)."""
    acting_user_check(by)
    with acting_as(by):
        lock_matter(stage.matter_id)
        stage = Stage.objects.select_related("matter").get(pk=stage.pk)
        if stage.matter.status == MatterStatus.WITHDRAWN:
            raise ValidationError({"stage": _("事项已撤回")})
        held = (
            stage.status in (StageStatus.PASSED, StageStatus.FAILED)
            or stage.meetings.filter(status=MeetingStatus.CLOSED).exists()
        )
        if not held:
            raise ValidationError({"stage": _("该环节尚未进行，无可监督的内容")})
        if verdict not in ReviewVerdict.values:
            raise ValidationError({"verdict": _("请选择监督意见")})
        reason = reason.strip()
        if verdict == ReviewVerdict.OBJECTION and len(reason) < 4:
            raise ValidationError({"reason": _("提出异议须写明理由")})
        now = timezone.now()
        review = Review(
            stage=stage,
            grid_path=stage.grid_path,
            verdict=verdict,
            reason=reason,
            by=by,
            at=now,
            answer_due=(
                timezone.localdate(now)
                + dt.timedelta(days=int(rule_value(SUPERVISION_ANSWER_DAYS)))
                if verdict == ReviewVerdict.OBJECTION
                else None
            ),
        )
        review.save()
        audit_record(action="create", instance=review, after=snapshot(review))
        return review


@transaction.atomic
def review_answer(*, review: Review, answer: str, by: Any) -> Review:
    """The two committees answer an objection; the next stage may then go on."""
    acting_user_check(by)
    with acting_as(by):
        review = Review.objects.select_for_update().get(pk=review.pk)
        if review.verdict != ReviewVerdict.OBJECTION:
            raise ValidationError({"review": _("只有异议需要答复")})
        if review.answered_at is not None:
            raise ValidationError({"review": _("该异议已答复")})
        if len(answer.strip()) < 4:
            raise ValidationError({"answer": _("请写明答复内容")})
        before = snapshot(review)
        review.answer = answer.strip()
        review.answered_by = by
        review.answered_at = timezone.now()
        review.save(update_fields=["answer", "answered_by", "answered_at"])
        audit_record(action="update", instance=review, before=before, after=snapshot(review))
        return review


def answer_overdue(review: Review, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return review.holds and review.answer_due is not None and today > review.answer_due
