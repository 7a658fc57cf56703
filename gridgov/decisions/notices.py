"""Disclosure (两公开, 村务公开; VCOL (2018) Art. 30): the notices of a decision and of its
result, and a village's ordinary and financial notices, with their period and objection window.

A notice's text never holds a citizen ID, a phone number, a bank account or health data: each is
refused with the field named (``check_public_text``). The public text of a notice, the one the
board shows and the printed QR verifies, is ``notice_text``; ``core.verify`` re-renders it to
tell whether the record changed after printing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.audit import audit_record, snapshot
from gridgov.core.freetext import find_personal_numbers
from gridgov.core.rules import rule_value
from gridgov.core.services import acting_as, acting_user_check
from gridgov.grid.models import GridNode

from .models import (
    Matter,
    MatterStatus,
    Meeting,
    MeetingStatus,
    Notice,
    NoticeKind,
    Stage,
    StageKind,
    StageStatus,
)
from .rolls import village_of
from .rules import DISCLOSURE_CADENCE_DAYS, HEALTH_TERMS, NOTICE_DAYS, OBJECTION_DAYS, VCOL
from .stages import advance, check_stage_may_proceed, current_stage, lock_matter

_KIND_NAMES = {"citizen_id": "身份证号", "mobile": "手机号码", "bank_card": "银行账号"}
# An account number written after its label, whatever its length (a collective's basic account
# is not a card and has no check digit).
_ACCOUNT = re.compile(r"(账号|账户|卡号)[:：\s]*\d[\d\s-]{7,}")


def _refuse(name: str, what: str) -> ValidationError:
    return ValidationError(
        {
            name: _("公开内容不得包含%(what)s（%(law)s第三十条；个人信息保护法第二十八条）")
            % {"what": what, "law": VCOL}
        }
    )


def check_public_text(fields: dict[str, str]) -> None:
    """Refuse personal numbers and health data in a public text, naming the field."""
    for name, value in fields.items():
        text = value or ""
        for found in find_personal_numbers(text):
            raise _refuse(name, _KIND_NAMES.get(found.kind, found.kind))
        if _ACCOUNT.search(text):
            raise _refuse(name, _KIND_NAMES["bank_card"])
        for term in rule_value(HEALTH_TERMS):
            if term and term in text:
                raise _refuse(name, _("健康信息（“%(term)s”）") % {"term": term})


@transaction.atomic
def matter_result_record(*, matter: Matter, result_text: str, by: Any) -> Matter:
    """Record how the decision was carried out (实施结果), before its result is disclosed."""
    acting_user_check(by)
    with acting_as(by):
        matter = lock_matter(matter.pk)
        if matter.status != MatterStatus.DECIDED:
            raise ValidationError({"result_text": _("决议公开后才能登记实施结果")})
        stage = current_stage(matter)
        if stage is None or stage.kind != StageKind.RESULT_NOTICE:
            raise ValidationError({"result_text": _("决议公开后才能登记实施结果")})
        text = result_text.strip()
        if not text:
            raise ValidationError({"result_text": _("请填写实施结果")})
        check_public_text({"result_text": text})
        before = snapshot(matter)
        matter.result_text = text
        matter.save(update_fields=["result_text", "updated_at"])
        audit_record(action="update", instance=matter, before=before, after=snapshot(matter))
        return matter


@transaction.atomic
def notice_publish(
    *,
    node: GridNode,
    kind: str,
    title: str,
    body: str,
    by: Any,
    matter: Matter | None = None,
    major: bool = False,
    period_days: int | None = None,
) -> Notice:
    """Publish a notice of a village. A matter's decision notice closes its 决议公开 stage and a
    result notice its 实施结果公开 stage; each only when that stage is the current one."""
    acting_user_check(by)
    with acting_as(by):
        if kind not in NoticeKind.values:
            raise ValidationError({"kind": _("请选择公开类别")})
        village = village_of(node)
        title, body = title.strip(), body.strip()
        if not title:
            raise ValidationError({"title": _("请填写标题")})
        if not body:
            raise ValidationError({"body": _("请填写正文")})
        check_public_text({"title": title, "body": body})
        days = int(period_days if period_days is not None else rule_value(NOTICE_DAYS))
        if days < 1 or days > 365:
            raise ValidationError({"period_days": _("公示天数须在1到365天之间")})
        stage: Stage | None = None
        if kind in (NoticeKind.DECISION, NoticeKind.RESULT):
            if matter is None:
                raise ValidationError({"matter": _("决议和实施结果公开须对应一个重要事项")})
            matter = lock_matter(matter.pk)
            if village_of(matter.node) != village:
                raise ValidationError({"node": _("公告须发布在事项所在的村")})
            wanted = (
                StageKind.DECISION_NOTICE
                if kind == NoticeKind.DECISION
                else StageKind.RESULT_NOTICE
            )
            stage = current_stage(matter)
            if stage is None or stage.kind != wanted:
                raise ValidationError(
                    {
                        "kind": _("须按程序顺序公开：当前环节是“%(current)s”")
                        % {"current": stage.get_kind_display() if stage else _("已全部完成")}
                    }
                )
            check_stage_may_proceed(stage)
            if kind == NoticeKind.RESULT and not matter.result_text:
                raise ValidationError({"body": _("请先登记实施结果")})
            major = True
        elif matter is not None:
            raise ValidationError({"matter": _("一般和财务公开不对应事项")})
        now = timezone.now()
        notice = Notice(
            node=village,
            grid_path=(matter.grid_path if matter else village.code),
            matter=matter,
            kind=kind,
            major=major,
            title=title[:200],
            body=body,
            published_at=now,
            period_days=days,
            objection_until=timezone.localdate(now)
            + dt.timedelta(days=max(days, int(rule_value(OBJECTION_DAYS)))),
            published_by=by,
        )
        notice.save()
        audit_record(action="create", instance=notice, after=snapshot(notice))
        if stage is not None:
            advance(stage)
        return notice


def decision_meetings(matter: Matter) -> list[Meeting]:
    """The meetings that carried each stage of a matter, in order (failed ones included)."""
    return list(
        Meeting.objects.filter(stage__matter=matter, status=MeetingStatus.CLOSED)
        .select_related("stage")
        .order_by("stage__order", "held_at", "id")
    )


def notice_text(notice: Notice) -> str:
    """The notice's public text: the board, the /p/ page and the printed QR show this.

    It names bodies, dates, counts, results and rules, never a person."""
    lines = [
        f"{notice.node.name}{notice.get_kind_display()}",
        notice.title,
        "",
        notice.body,
        "",
    ]
    if notice.matter_id:
        matter = notice.matter
        assert matter is not None
        lines.append(_("事项编号：%(n)s") % {"n": matter.number})
        if matter.amount is not None:
            lines.append(_("金额：%(a)s元") % {"a": matter.amount})
        lines.append(_("决策程序：%(p)s") % {"p": matter.get_procedure_display()})
        for meeting in decision_meetings(matter):
            due = meeting.roll_adults or meeting.roll_members
            lines.append(
                _(
                    "%(stage)s · %(body)s · %(date)s：应到%(due)s，实到%(present)s，赞成%(yes)s，"
                    "反对%(no)s，弃权%(abstain)s；%(result)s（%(citation)s）"
                )
                % {
                    "stage": meeting.stage.get_kind_display(),
                    "body": meeting.get_body_display(),
                    "date": f"{timezone.localtime(meeting.held_at):%Y-%m-%d}",
                    "due": due,
                    "present": meeting.present,
                    "yes": meeting.yes,
                    "no": meeting.no,
                    "abstain": meeting.abstain,
                    "result": _("通过") if meeting.passed else _("未通过"),
                    "citation": meeting.citation,
                }
            )
            if meeting.overridden:
                lines.append(
                    _("  特别通过：未达法定要求，经两名授权人员确认通过。理由：%(r)s")
                    % {"r": meeting.override_reason}
                )
        if notice.kind == NoticeKind.RESULT and matter.result_text:
            lines.append(_("实施结果：%(r)s") % {"r": matter.result_text})
    published = timezone.localdate(notice.published_at)
    lines.append(
        _("公示期：%(start)s起%(days)s天；异议截止：%(until)s")
        % {"start": published, "days": notice.period_days, "until": notice.objection_until}
    )
    return "\n".join(str(line) for line in lines)


# -- Disclosure compliance per village --------------------------------------------------------


@dataclass
class VillageDisclosure:
    village: GridNode
    last_ordinary: dt.date | None
    last_finance: dt.date | None
    undisclosed_decisions: int

    @property
    def overdue(self) -> list[str]:
        cadence = rule_value(DISCLOSURE_CADENCE_DAYS)
        today = timezone.localdate()
        late = []
        if self.last_ordinary is None or (today - self.last_ordinary).days > int(
            cadence["ordinary"]
        ):
            late.append(str(_("一般事项超过一季度未公开")))
        if self.last_finance is None or (today - self.last_finance).days > int(cadence["finance"]):
            late.append(str(_("财务收支超过一个月未公开")))
        if self.undisclosed_decisions:
            late.append(str(_("%(n)s项决议未及时公开") % {"n": self.undisclosed_decisions}))
        return late


def disclosure_compliance(villages: list[GridNode]) -> list[VillageDisclosure]:
    """For each village: its latest ordinary and financial notices, and the decisions waiting
    longer than the cadence for major matters to be disclosed (VCOL Art. 30)."""
    codes = [v.code for v in villages]
    latest: dict[tuple[str, str], dt.datetime] = {}
    for row in (
        Notice.objects.filter(node__code__in=codes)
        .values("node__code", "kind")
        .annotate(last=Max("published_at"))
    ):
        latest[(row["node__code"], row["kind"])] = row["last"]
    cadence = int(rule_value(DISCLOSURE_CADENCE_DAYS)["major"])
    cutoff = timezone.now() - dt.timedelta(days=cadence)
    waiting: dict[str, int] = {}
    for stage in Stage.objects.filter(
        kind=StageKind.DECISION_NOTICE,
        status=StageStatus.OPEN,
        opened_at__lt=cutoff,
        matter__status=MatterStatus.DECIDED,
    ).values_list("grid_path", flat=True):
        village_code = stage[:12]
        waiting[village_code] = waiting.get(village_code, 0) + 1

    def day(value: dt.datetime | None) -> dt.date | None:
        return timezone.localdate(value) if value else None

    return [
        VillageDisclosure(
            village=v,
            last_ordinary=day(latest.get((v.code, NoticeKind.ORDINARY))),
            last_finance=day(latest.get((v.code, NoticeKind.FINANCE))),
            undisclosed_decisions=waiting.get(v.code, 0),
        )
        for v in villages
    ]
