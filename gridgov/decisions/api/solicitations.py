"""The REST API of asking the households before deciding (征求意见): solicitations on a matter
(/decision-matters/{id}/solicitations, /decision-solicitations), their tasks per household and
the answers (/decision-opinions); mounted by ``api/router.py``.

Opening a solicitation needs "manage_matters" on the matter; reading it "view". The tasks list
shows the tasks the user may see (a linked member those of the micro-grid they serve, ``mine``
their own households); recording an answer needs "record_opinion" where the household is.
Households show by number and address only. Out of scope is 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from gridgov.accounts.permissions import VIEW
from gridgov.core.apitools import (
    ERRORS_READ,
    ERRORS_WRITE,
    NotFound,
    auth_user,
    get_visible,
    paginate,
    scoped_write,
)
from gridgov.core.json_types import INT64_MAX

from ..models import Matter, OpinionTask, Solicitation
from ..permissions import MANAGE_MATTERS, RECORD_OPINION
from ..schemas.matters import (
    DecisionSolicitationCreate,
    DecisionSolicitationOut,
    OpinionIn,
    OpinionTaskOut,
    OpinionTaskPage,
    OpinionTaskQuery,
)
from ..solicitations import (
    OpinionCoverage,
    coverage_by_microgrid,
    opinion_record,
    solicitation_create,
)

router = Router(tags=["重要事项决策"])

SOLICITATION_READ = Solicitation.objects.select_related("matter", "opened_by")
TASK_READ = OpinionTask.objects.select_related(
    "household", "microgrid", "party_group", "linker__person", "answered_by"
)


def solicitation_label(pk: Any) -> str:
    return _("意见征求%(id)s") % {"id": pk}


def task_label(pk: Any) -> str:
    return _("征求意见任务%(id)s") % {"id": pk}


def solicitation_detail(user: Any, pk: int) -> Solicitation:
    """A solicitation the user sees, with its coverage overall and per micro-grid."""
    solicitation = SOLICITATION_READ.restrict(user, VIEW).filter(pk=pk).first()
    if solicitation is None:
        raise NotFound(solicitation_label(pk))
    rows = coverage_by_microgrid(solicitation)
    total = OpinionCoverage(label=str(_("全部")))
    for row in rows:
        for name in ("total", "answered", "support", "oppose", "suggestion"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    solicitation.coverage = total  # type: ignore[attr-defined]
    solicitation.microgrids = rows  # type: ignore[attr-defined]
    solicitation.open = solicitation.closes_on >= timezone.localdate()  # type: ignore[attr-defined]
    return solicitation


@router.post(
    "/decision-matters/{int:matter_id}/solicitations",
    response={201: DecisionSolicitationOut, **ERRORS_WRITE},
    summary="发起意见征求",
)
def decision_solicitation_create(
    request: HttpRequest, matter_id: int, payload: DecisionSolicitationCreate
) -> Any:
    """One task per household of the matter's place, held by the party group of its
    micro-grid and, where the household is linked, its linker."""
    user = auth_user(request)
    matter = get_visible(
        Matter.objects.select_related("node"),
        user,
        MANAGE_MATTERS,
        what=_("重要事项%(id)s") % {"id": matter_id},
        pk=matter_id,
    )
    solicitation = scoped_write(
        user,
        Solicitation,
        MANAGE_MATTERS,
        lambda: solicitation_create(
            matter=matter, question=payload.question, closes_on=payload.closes_on, by=user
        ),
    )
    return Status(201, solicitation_detail(user, solicitation.pk))


@router.get(
    "/decision-solicitations/{int:solicitation_id}",
    response={200: DecisionSolicitationOut, **ERRORS_READ},
    summary="意见征求详情",
)
def decision_solicitation_get(request: HttpRequest, solicitation_id: int) -> Solicitation:
    """Households asked and answered, and the answers by stance, per micro-grid."""
    return solicitation_detail(auth_user(request), solicitation_id)


@router.get(
    "/decision-solicitations/{int:solicitation_id}/tasks",
    response={200: OpinionTaskPage, **ERRORS_READ},
    summary="征求意见任务",
)
def decision_opinion_task_list(
    request: HttpRequest, solicitation_id: int, query: Query[OpinionTaskQuery]
) -> dict[str, Any]:
    """The households the user may see, by micro-grid; ``mine`` those the signed-in linker
    serves, ``answered`` filters by whether the household answered."""
    user = auth_user(request)
    if not 0 < solicitation_id <= INT64_MAX:  # a foreign key lookup has no overflow guard
        raise NotFound(solicitation_label(solicitation_id))
    tasks = TASK_READ.restrict(user, VIEW).filter(solicitation_id=solicitation_id)
    seen = (
        Solicitation.objects.restrict(user, VIEW).filter(pk=solicitation_id).exists()
        or tasks.exists()
    )
    if not seen:
        raise NotFound(solicitation_label(solicitation_id))
    if query.under:
        tasks = tasks.within(query.under)
    if query.answered is not None:
        tasks = tasks.filter(answered_at__isnull=not query.answered)
    if query.mine:
        tasks = tasks.filter(linker__user_id=user.pk)
    return paginate(tasks.order_by("grid_path", "household__number", "id"), query)


@router.post(
    "/decision-opinions/{int:task_id}",
    response={200: OpinionTaskOut, **ERRORS_WRITE},
    summary="登记户意见",
)
def decision_opinion_record(request: HttpRequest, task_id: int, payload: OpinionIn) -> OpinionTask:
    """Support, oppose or a suggestion (with its text), from a visit, a call, the contact card
    or a meeting; once per household (a second answer is refused)."""
    user = auth_user(request)
    task = get_visible(
        OpinionTask.objects, user, RECORD_OPINION, what=task_label(task_id), pk=task_id
    )
    scoped_write(
        user,
        OpinionTask,
        RECORD_OPINION,
        lambda: opinion_record(
            task=task,
            stance=payload.stance.value,
            text=payload.text,
            channel=payload.channel.value,
            by=user,
        ),
    )
    return TASK_READ.get(pk=task_id)
