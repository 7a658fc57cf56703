"""The REST API of the link register (党员联户): links (/links), linkers (/linkers), coverage
(/link-coverage) and a linker's own households (/links/mine); mounted by ``api/router.py``.

Reads need "view" where the rows are; writes need "manage_links" at the household (a link) or
the person (a linker), go through ``links.services`` and re-check the scope in the same
transaction (``core.apitools.scoped_write``). Out of scope is 404, never 403. Persons show only
their masked citizen ID and phone."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from gridgov.accounts.permissions import VIEW
from gridgov.core.apischemas import PageQuery
from gridgov.core.apitools import (
    ERRORS_READ,
    ERRORS_WRITE,
    NotFound,
    auth_user,
    get_visible,
    paginate,
    payload_data,
    scoped_write,
)
from gridgov.grid.models import GridNode
from gridgov.grid.selectors import visible_roots
from gridgov.people.models import Household, Person

from ..eligibility import capacity_of, exemption_of, kind_refusal
from ..models import Link, Linker, LinkSource
from ..permissions import MANAGE_LINKS
from ..schemas import (
    CoverageOut,
    CoverageQuery,
    LinkCreate,
    LinkEnd,
    LinkerCreate,
    LinkerOut,
    LinkerPage,
    LinkerQuery,
    LinkerUpdate,
    LinkOut,
    LinkPage,
    LinkQuery,
    LinkState,
    MyHouseholdPage,
)
from ..selectors import coverage, link_list, linker_list, my_households
from ..services import link_create, link_end, linker_create, linker_update

router = Router(tags=["党员联户"])

LINK_READ = Link.objects.select_related("linker__person", "household")
LINKER_READ = Linker.objects.select_related("person__household", "person__party_member", "user")


def link_label(pk: Any) -> str:
    return _("联户关系%(id)s") % {"id": pk}


def linker_label(pk: Any) -> str:
    return _("联户人%(id)s") % {"id": pk}


def _account(username: str | None) -> Any:
    """The active user named ``username`` (None for None)."""
    if username is None:
        return None
    found = get_user_model().objects.filter(username=username, is_active=True).first()
    if found is None:
        raise ValidationError({"account": _("没有用户%(u)s") % {"u": username}})
    return found


def _with_figures(linkers: list[Linker]) -> list[Linker]:
    """Each linker's capacity and exemption today, read from the rows already fetched."""
    today = timezone.localdate()
    for linker in linkers:
        linker.capacity = capacity_of(linker.kind)  # type: ignore[attr-defined]
        linker.exemption = exemption_of(linker, on=today)  # type: ignore[attr-defined]
    return linkers


def _linker_detail(user: Any, pk: int) -> Linker:
    """A linker the user sees, with its load, capacity and exemption (404 otherwise)."""
    qs = linker_list(LINKER_READ.restrict(user, VIEW)).select_related("person__household", "user")
    linker = qs.filter(pk=pk).first()
    if linker is None:
        raise NotFound(linker_label(pk))
    return _with_figures([linker])[0]


# Links


@router.get("/links", response={200: LinkPage, **ERRORS_READ}, summary="联户关系列表")
def list_links(request: HttpRequest, query: Query[LinkQuery]) -> dict[str, Any]:
    """In force by default (``state``); ``q`` is a household number or a linker's name."""
    in_force = {LinkState.IN_FORCE: True, LinkState.ENDED: False, LinkState.ALL: None}
    qs = link_list(
        Link.objects.restrict(auth_user(request), VIEW),
        under=query.under,
        linker=query.linker,
        in_force=in_force[query.state],
        cross_grid=query.cross_grid,
        q=query.q.strip(),
    )
    return paginate(qs, query)


@router.get("/links/mine", response={200: MyHouseholdPage, **ERRORS_READ}, summary="我的联系户")
def my_linked_households(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    """The households linked now to the linker the user signs in as (empty for anyone else)."""
    qs = my_households(auth_user(request)).order_by("grid_path", "number")
    return paginate(qs, query)


@router.get("/links/{link_id}", response={200: LinkOut, **ERRORS_READ}, summary="联户关系详情")
def get_link(request: HttpRequest, link_id: int) -> Link:
    return get_visible(LINK_READ, auth_user(request), what=link_label(link_id), pk=link_id)


@router.post("/links", response={201: LinkOut, **ERRORS_WRITE}, summary="新增联户关系")
def create_link(request: HttpRequest, payload: LinkCreate) -> Any:
    """The household must be one the user may manage links of, the linker one they see. A
    household already linked is refused unless ``replace``; the rules (capacity, exemption, the
    same micro-grid) refuse with the field and the reason."""
    user = auth_user(request)
    household = get_visible(
        Household.objects,
        user,
        MANAGE_LINKS,
        what=_("户%(n)s") % {"n": payload.household},
        number=payload.household,
    )
    linker = get_visible(
        LINKER_READ, user, VIEW, what=linker_label(payload.linker), pk=payload.linker
    )
    link = scoped_write(
        user,
        Link,
        MANAGE_LINKS,
        lambda: link_create(
            linker=linker,
            household=household,
            start_on=payload.start_on,
            source=LinkSource.TWO_WAY if payload.pinned else LinkSource.MANUAL,
            pinned=payload.pinned,
            cross_grid_reason=payload.cross_grid_reason,
            replace=payload.replace,
            end_reason=payload.end_reason,
            by=user,
        ),
    )
    return Status(201, LINK_READ.get(pk=link.pk))


@router.post(
    "/links/{link_id}/end", response={200: LinkOut, **ERRORS_WRITE}, summary="结束联户关系"
)
def end_link(request: HttpRequest, link_id: int, payload: LinkEnd) -> Link:
    user = auth_user(request)
    link = get_visible(Link.objects, user, MANAGE_LINKS, what=link_label(link_id), pk=link_id)
    link = scoped_write(
        user,
        Link,
        MANAGE_LINKS,
        lambda: link_end(link=link, reason=payload.reason, end_on=payload.end_on, by=user),
    )
    return LINK_READ.get(pk=link.pk)


# Linkers


@router.get("/linkers", response={200: LinkerPage, **ERRORS_READ}, summary="联户人列表")
def list_linkers(request: HttpRequest, query: Query[LinkerQuery]) -> dict[str, Any]:
    """With each linker's load, capacity and exemption today; ``q`` is a name, exactly."""
    qs: QuerySet[Linker] = linker_list(
        Linker.objects.restrict(auth_user(request), VIEW),
        under=query.under,
        kind=query.kind.value if query.kind else "",
        q=query.q.strip(),
    ).select_related("person__household", "user")
    page = paginate(qs, query)
    page["items"] = _with_figures(page["items"])
    return page


@router.get("/linkers/{linker_id}", response={200: LinkerOut, **ERRORS_READ}, summary="联户人详情")
def get_linker(request: HttpRequest, linker_id: int) -> Linker:
    return _linker_detail(auth_user(request), linker_id)


@router.post("/linkers", response={201: LinkerOut, **ERRORS_WRITE}, summary="新增联户人")
def create_linker(request: HttpRequest, payload: LinkerCreate) -> Any:
    """Names a registered person a linker, placed where their household lives."""
    user = auth_user(request)
    person = get_visible(
        Person.objects.select_related("household", "party_member"),
        user,
        MANAGE_LINKS,
        what=_("人员%(id)s") % {"id": payload.person},
        pk=payload.person,
    )
    if refusal := kind_refusal(person, payload.kind.value):
        raise ValidationError({"kind": refusal})
    account = _account(payload.account)
    data = payload_data(payload, omit=("person", "account"))
    linker = scoped_write(
        user,
        Linker,
        MANAGE_LINKS,
        lambda: linker_create(person=person, user=account, **data, by=user),
    )
    return Status(201, _linker_detail(user, linker.pk))


@router.patch(
    "/linkers/{linker_id}", response={200: LinkerOut, **ERRORS_WRITE}, summary="修改联户人"
)
def update_linker(request: HttpRequest, linker_id: int, payload: LinkerUpdate) -> Linker:
    """Kind, account, consent to show the phone, or "cannot link" with its reason."""
    user = auth_user(request)
    linker = get_visible(
        LINKER_READ, user, MANAGE_LINKS, what=linker_label(linker_id), pk=linker_id
    )
    data = payload_data(payload, exclude_unset=True)
    if refusal := kind_refusal(linker.person, data.get("kind", linker.kind)):
        raise ValidationError({"kind": refusal})
    if "account" in data:
        data["user"] = _account(data.pop("account"))
    linker = scoped_write(
        user, Linker, MANAGE_LINKS, lambda: linker_update(linker=linker, data=data, by=user)
    )
    return _linker_detail(user, linker.pk)


# Coverage


@router.get("/link-coverage", response={200: CoverageOut, **ERRORS_READ}, summary="联户覆盖情况")
def link_coverage(request: HttpRequest, query: Query[CoverageQuery]) -> dict[str, Any]:
    """Households with a link, priority households with a link, linkers over or under
    capacity, links across micro-grids, exempt linkers and the shortfall, under ``under``."""
    user = auth_user(request)
    code = query.under
    if not code:
        roots = visible_roots(user)
        if not roots:
            raise NotFound(_("网格"))
        code = roots[0].code
    node = get_visible(GridNode.objects, user, what=_("网格%(c)s") % {"c": code}, code=code)
    result = coverage(node)
    names = (
        "households",
        "linked",
        "unlinked",
        "rate",
        "priority",
        "priority_linked",
        "priority_rate",
        "linkers",
        "eligible_linkers",
        "exempt_linkers",
        "over_capacity",
        "under_capacity",
        "cross_grid",
        "capacity",
        "shortfall",
        "shortfall_microgrids",
    )
    out: dict[str, Any] = {name: getattr(result, name) for name in names}
    out["node"] = node
    return out
