"""The REST API of important matters (重要事项): the important-matters list (/decision-kinds)
and the matters run through their procedures (/decision-matters); mounted by ``api/router.py``.

Reads need "view" where the matter is; registering, withdrawing and recording the result need
"manage_matters" there, go through the services and re-check the scope in the same transaction
(``core.apitools.scoped_write``). Seeding a county's list needs "manage_matters" at the county.
Out of scope is 404, never 403."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
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
from gridgov.grid.models import GridNode
from gridgov.grid.selectors import visible_roots

from ..models import Matter, MatterKind, Meeting, Notice, Review, Stage, StageStatus
from ..notices import matter_result_record
from ..permissions import MANAGE_MATTERS
from ..schemas.matters import (
    DecisionMatterCreate,
    DecisionMatterDetail,
    DecisionMatterPage,
    DecisionMatterQuery,
    DecisionResultIn,
    DecisionWithdrawIn,
)
from ..schemas.refs import DecisionKindOut, DecisionKindQuery, DecisionKindSeed
from ..selectors import matter_list
from ..services import kinds_for, matter_create, matter_kinds_seed, matter_withdraw
from ..solicitations import matter_coverage

router = Router(tags=["重要事项决策"])

MATTER_READ = Matter.objects.select_related("kind", "node")


def matter_label(pk: Any) -> str:
    return _("重要事项%(id)s") % {"id": pk}


def node_label(code: str) -> str:
    return _("网格%(c)s") % {"c": code}


def with_current(matters: list[Matter]) -> list[Matter]:
    """Each matter's current stage (the first not passed), from its prefetched stages."""
    for matter in matters:
        stages = sorted(matter.stages.all(), key=lambda s: s.order)
        matter.current = next(  # type: ignore[attr-defined]
            (s for s in stages if s.status != StageStatus.PASSED), None
        )
    return matters


def matter_detail(user: Any, pk: int) -> Matter:
    """A matter the user sees, with its stages, their meetings and reviews, its notices and
    the coverage of its latest solicitation (404 otherwise)."""
    meetings = Prefetch("meetings", queryset=Meeting.objects.order_by("held_at", "id"))
    reviews = Prefetch(
        "reviews", queryset=Review.objects.select_related("by", "answered_by").order_by("at", "id")
    )
    stages = Prefetch(
        "stages",
        queryset=Stage.objects.order_by("order")
        .prefetch_related(meetings)
        .prefetch_related(reviews),
    )
    notices = Prefetch("notices", queryset=Notice.objects.order_by("published_at", "id"))
    qs: QuerySet[Matter] = (
        Matter.objects.restrict(user, VIEW)
        .select_related("kind", "node", "created_by")
        .prefetch_related(stages)
        .prefetch_related(notices)
    )
    matter = qs.filter(pk=pk).first()
    if matter is None:
        raise NotFound(matter_label(pk))
    with_current([matter])
    current = matter.current  # type: ignore[attr-defined]
    for stage in matter.stages.all():
        stage.current = current is not None and stage.pk == current.pk  # type: ignore[attr-defined]
    matter.coverage = matter_coverage(matter)  # type: ignore[attr-defined]
    return matter


def _manageable(user: Any, pk: int) -> Matter:
    matter: Matter = get_visible(Matter.objects, user, MANAGE_MATTERS, what=matter_label(pk), pk=pk)
    return matter


# -- The important-matters list ---------------------------------------------------------------


@router.get(
    "/decision-kinds", response={200: list[DecisionKindOut], **ERRORS_READ}, summary="重要事权清单"
)
def decision_kind_list(request: HttpRequest, query: Query[DecisionKindQuery]) -> list[MatterKind]:
    """The kinds that apply at ``node`` (the lists of its county and town; a town's entry
    replaces the county's of the same code), each with its procedure."""
    user = auth_user(request)
    code = query.node
    if not code:
        roots = visible_roots(user)
        if not roots:
            raise NotFound(_("网格"))
        code = roots[0].code
    node = get_visible(GridNode.objects, user, what=node_label(code), code=code)
    return kinds_for(node)


@router.post(
    "/decision-kinds/seed",
    response={200: list[DecisionKindOut], **ERRORS_WRITE},
    summary="设置默认的重要事权清单",
)
def decision_kind_seed(request: HttpRequest, payload: DecisionKindSeed) -> list[MatterKind]:
    """Puts the default list (rule ``decisions.matter_kinds``) on a county that lacks its
    codes; answers the kinds added (none when the county has them all)."""
    user = auth_user(request)
    county = get_visible(
        GridNode.objects, user, MANAGE_MATTERS, what=node_label(payload.county), code=payload.county
    )
    return matter_kinds_seed(county=county, by=user)


# -- Matters ----------------------------------------------------------------------------------


@router.get(
    "/decision-matters", response={200: DecisionMatterPage, **ERRORS_READ}, summary="重要事项列表"
)
def decision_matter_list(request: HttpRequest, query: Query[DecisionMatterQuery]) -> dict[str, Any]:
    """Newest first, each with its current stage; ``q`` is a number or words of the title."""
    qs = matter_list(
        Matter.objects.restrict(auth_user(request), VIEW),
        under=query.under,
        status=query.status.value if query.status else "",
        kind=query.kind,
        q=query.q.strip(),
    ).prefetch_related("stages")
    page = paginate(qs, query)
    page["items"] = with_current(page["items"])
    return page


@router.get(
    "/decision-matters/{int:matter_id}",
    response={200: DecisionMatterDetail, **ERRORS_READ},
    summary="重要事项详情",
)
def decision_matter_get(request: HttpRequest, matter_id: int) -> Matter:
    """With every stage of its procedure, their meetings and supervision reviews, where it
    stands, its notices and the coverage of the opinions asked."""
    return matter_detail(auth_user(request), matter_id)


@router.post(
    "/decision-matters",
    response={201: DecisionMatterDetail, **ERRORS_WRITE},
    summary="登记重要事项",
)
def decision_matter_create(request: HttpRequest, payload: DecisionMatterCreate) -> Any:
    """A matter of a village or villager group, of a kind on the list that applies there; its
    procedure's first stage opens. Amounts at the township's threshold take the full
    procedure."""
    user = auth_user(request)
    node = get_visible(
        GridNode.objects, user, MANAGE_MATTERS, what=node_label(payload.node), code=payload.node
    )
    kind = next((k for k in kinds_for(node) if k.code == payload.kind), None)
    if kind is None:
        raise ValidationError({"kind": _("该类别不在本村适用的重要事权清单上")})
    matter = scoped_write(
        user,
        Matter,
        MANAGE_MATTERS,
        lambda: matter_create(
            node=node,
            kind=kind,
            title=payload.title,
            amount=payload.amount,
            description=payload.description,
            by=user,
        ),
    )
    return Status(201, matter_detail(user, matter.pk))


@router.post(
    "/decision-matters/{int:matter_id}/withdraw",
    response={200: DecisionMatterDetail, **ERRORS_WRITE},
    summary="撤回重要事项",
)
def decision_matter_withdraw(
    request: HttpRequest, matter_id: int, payload: DecisionWithdrawIn
) -> Matter:
    """Only while it is being decided, with a reason."""
    user = auth_user(request)
    matter = _manageable(user, matter_id)
    scoped_write(
        user,
        Matter,
        MANAGE_MATTERS,
        lambda: matter_withdraw(matter=matter, reason=payload.reason, by=user),
    )
    return matter_detail(user, matter_id)


@router.post(
    "/decision-matters/{int:matter_id}/result",
    response={200: DecisionMatterDetail, **ERRORS_WRITE},
    summary="登记实施结果",
)
def decision_matter_result(
    request: HttpRequest, matter_id: int, payload: DecisionResultIn
) -> Matter:
    """How the decision was carried out, after the decision notice and before the result
    notice; public text, so no ID, phone, bank account or health data."""
    user = auth_user(request)
    matter = _manageable(user, matter_id)
    scoped_write(
        user,
        Matter,
        MANAGE_MATTERS,
        lambda: matter_result_record(matter=matter, result_text=payload.result_text, by=user),
    )
    return matter_detail(user, matter_id)
