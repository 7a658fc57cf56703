"""Printed notices and minutes (可核验的公告, 会议记录).

A notice prints as an A4 page for the village board: its public text exactly as ``notice_text``
gives it in the site's language (the text that is hashed), with the verify block of ``core.verify``: a QR code of the
unguessable link, the text's short hash, the audit chain's head and the printing time. Printing
is an audited act; each print is a ``PrintedDocument`` of kind ``"decisions.notice"``, whose
provider (``register``, called from ``apps.ready``) re-renders the notice's current text when
the QR code is scanned. A notice names no person.

The minutes of a meeting are internal: they name the people on a small body's roll with their
attendance and vote, who asked for and who confirmed an override, who amended the record and
who reviewed the stage; never an ID or phone number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gridgov.core.models import PrintedDocument
from gridgov.core.printing import Printed, render_pdf
from gridgov.core.verify import (
    document_print,
    normalise,
    register_verifiable,
    verify_block_context,
)

from .meetings import effective_record
from .models import (
    Meeting,
    MeetingAmendment,
    MeetingBody,
    Notice,
    Review,
    RollEntry,
    RollRole,
)
from .notices import notice_text
from .rolls import village_of

NOTICE_KIND = "decisions.notice"
# A notice's object_ref is its primary key: digits, at most what a 64-bit id holds.
_REF_RE = re.compile(r"[1-9][0-9]{0,17}")
# A small body's roll is listed name by name; a place's roll (hundreds of villagers) is counted.
ROLL_LISTED_MAX = 200


# -- The verifiable provider -------------------------------------------------------------------


def public_text(notice: Notice) -> str:
    """The notice's public text in the site's language: what is hashed at printing and
    re-rendered at every scan must not depend on the language of who prints or scans (a
    visitor reading the verify page in English would otherwise see "changed")."""
    with translation.override(settings.LANGUAGE_CODE):
        return notice_text(notice)


def render_notice(object_ref: str) -> str | None:
    """The current public text of the notice ``object_ref`` (its pk), or None when it is gone."""
    if not _REF_RE.fullmatch(object_ref or ""):
        return None
    notice = Notice.objects.select_related("node", "matter").filter(pk=int(object_ref)).first()
    return public_text(notice) if notice is not None else None


def register() -> None:
    """Register the notices' provider with ``core.verify`` (from ``DecisionsConfig.ready``)."""
    register_verifiable(NOTICE_KIND, render_notice)


# -- The notice --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeLayout:
    """A notice's public text cut into what the page sets apart: the heading (village and
    kind), the title, the body, the decision record's lines and the period line. The page
    prints every line of the text as it is, and adds only labels, the village's signing line
    and the verify block."""

    heading: str
    title: str
    body: list[str]
    record: list[tuple[str, bool]]  # (line, is an override's line)
    period: str


def notice_layout(notice: Notice, text: str) -> NoticeLayout | None:
    """Cut ``text`` (``notice_text(notice)``) along its known shape; None if it has another
    (the page then prints the text line by line)."""
    heading = text.split("\n", 1)[0]
    body = normalise(notice.body)
    prefix = f"{heading}\n{normalise(notice.title)}\n\n{body}\n\n"
    if not text.startswith(prefix):
        return None
    tail = text[len(prefix) :].split("\n")
    return NoticeLayout(
        heading=heading,
        title=normalise(notice.title),
        body=body.split("\n"),
        record=[(line.strip(), line.startswith(" ")) for line in tail[:-1] if line.strip()],
        period=tail[-1],
    )


def notice_print(*, notice: Notice, by: Any, base: str) -> tuple[PrintedDocument, Printed]:
    """Record the notice as printed now (``core.verify.document_print``: audited, with the
    chain head) and render its A4 PDF, whose QR code points at ``base`` + the verify path."""
    doc = document_print(
        kind=NOTICE_KIND,
        object_ref=str(notice.pk),
        title=notice.title,
        text=public_text(notice),
        grid_path=notice.grid_path,
        by=by,
    )
    printed = notice_pdf(notice=notice, doc=doc, base=base)
    return doc, printed


def notice_context(notice: Notice, doc: PrintedDocument, base: str) -> dict[str, Any]:
    """What the printed notice shows (``decisions/print/notice.html``): the text as recorded at
    printing, and the verify block (whose QR code holds ``verify_url``)."""
    return {
        "notice": notice,
        "village": notice.node.name,
        "layout": notice_layout(notice, doc.text),
        "lines": doc.text.split("\n"),
        "published": timezone.localdate(notice.published_at),
        **verify_block_context(doc, base),
    }


def notice_pdf(
    *, notice: Notice, doc: PrintedDocument, base: str, with_text: bool = False
) -> Printed:
    """The PDF of a printed document of a notice, in the language of its text."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_pdf(
            "decisions/print/notice.html", notice_context(notice, doc, base), with_text=with_text
        )


# -- The minutes -------------------------------------------------------------------------------


def person_label(user: Any) -> str:
    """A staff member as the minutes name them."""
    if user is None:
        return "—"
    return str(user.get_full_name() or user.username)


@dataclass(frozen=True)
class AmendmentRow:
    at: Any
    by: str
    reason: str
    changes: list[tuple[str, str, str]]  # (field label, old, new)


@dataclass(frozen=True)
class ReviewRow:
    at: Any
    by: str
    verdict: str
    objection: bool
    reason: str
    answer: str
    answered_by: str
    answered_at: Any
    answer_due: Any


def _field_label(name: str) -> str:
    try:
        field = Meeting._meta.get_field(name)
    except FieldDoesNotExist:  # a name no longer on the model is shown as it was written
        return name
    return str(getattr(field, "verbose_name", name))


def _amendments(meeting: Meeting) -> list[AmendmentRow]:
    rows = []
    amendments = MeetingAmendment.objects.filter(meeting=meeting).select_related("by")
    for amendment in amendments.order_by("at", "id"):
        changes = [
            (_field_label(name), str(pair[0]), str(pair[1]))
            for name, pair in (amendment.changes or {}).items()
            if isinstance(pair, (list, tuple)) and len(pair) == 2
        ]
        rows.append(
            AmendmentRow(
                at=amendment.at,
                by=person_label(amendment.by),
                reason=amendment.reason,
                changes=changes,
            )
        )
    return rows


def _reviews(meeting: Meeting) -> list[ReviewRow]:
    reviews = Review.objects.filter(stage_id=meeting.stage_id).select_related("by", "answered_by")
    return [
        ReviewRow(
            at=review.at,
            by=person_label(review.by),
            verdict=review.get_verdict_display(),
            objection=review.verdict == "objection",
            reason=review.reason,
            answer=review.answer,
            answered_by=person_label(review.answered_by) if review.answered_by_id else "",
            answered_at=review.answered_at,
            answer_due=review.answer_due,
        )
        for review in reviews.order_by("at", "id")
    ]


def _roll(meeting: Meeting) -> tuple[list[RollEntry], int]:
    """A small body's roll, name by name (at most ``ROLL_LISTED_MAX``), and its length."""
    entries = RollEntry.objects.filter(meeting=meeting, role=RollRole.MEMBER)
    total = entries.count()
    listed = list(entries.select_related("person").order_by("id")[:ROLL_LISTED_MAX])
    return listed, total


def minutes_context(meeting: Meeting) -> dict[str, Any]:
    """What the minutes show (``decisions/print/minutes.html``)."""
    meeting = (
        Meeting.objects.select_related(
            "stage",
            "stage__matter",
            "stage__matter__node",
            "stage__matter__node__parent",
            "recorded_by",
            "override_requested_by",
            "override_confirmed_by",
        )
        .filter(pk=meeting.pk)
        .get()
    )
    matter = meeting.stage.matter
    by_place = bool(meeting.roll_adults) or meeting.body in (
        MeetingBody.VILLAGERS,
        MeetingBody.GROUP,
        MeetingBody.DISCUSSION,
        MeetingBody.COLLECTIVE_MEMBERS,
    )
    roll, roll_total = ([], 0) if by_place else _roll(meeting)
    amendments = _amendments(meeting)
    record = effective_record(meeting)
    if meeting.passed:
        result = _("通过")
    elif meeting.overridden:
        result = _("未达法定要求，经特别通过")
    else:
        result = _("未通过")
    return {
        "meeting": meeting,
        "matter": matter,
        "stage": meeting.stage,
        "place": record["place"],
        "chair": record["chair"],
        "summary": record["summary"],
        "amended": bool(amendments),
        "by_place": by_place,
        "roll": roll,
        "roll_total": roll_total,
        "roll_more": max(0, roll_total - len(roll)),
        "absent": max(0, meeting.roll_members - meeting.present - meeting.excused),
        "discussion": meeting.body == MeetingBody.DISCUSSION,
        "result": result,
        "recorded_by": person_label(meeting.recorded_by),
        "override_requested_by": person_label(meeting.override_requested_by),
        "override_confirmed_by": person_label(meeting.override_confirmed_by),
        "amendments": amendments,
        "reviews": _reviews(meeting),
        "village": village_of(matter.node).name,
        "printed_at": timezone.now(),
    }


def minutes_pdf(meeting: Meeting, *, with_text: bool = False) -> Printed:
    """The minutes of a recorded meeting as an A4 PDF."""
    return render_pdf("decisions/print/minutes.html", minutes_context(meeting), with_text=with_text)
