"""Grid posts (/grid-posts/{id}): grid heads (网格长) and full-time grid workers (专职网格员).

Reads need "view"; writes need "manage_grid" at the post's grid node.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from gridgov.accounts.roles import Action
from gridgov.core.apitools import (
    ERRORS_READ,
    ERRORS_WRITE,
    get_visible,
    paginate,
    payload_data,
    scoped_write,
)
from gridgov.core.services import object_update
from gridgov.grid.api import node_label
from gridgov.grid.models import GridNode
from gridgov.orgs.models import GridPost
from gridgov.orgs.services import grid_post_create
from gridgov.people.api import person_label
from gridgov.people.models import Person

from .auth import auth_user
from .schemas.orgs import GridPostCreate, GridPostOut, GridPostPage, GridPostQuery, GridPostUpdate

router = Router(tags=["网格岗位"])

POST_READ = GridPost.objects.select_related("node", "person")


def post_label(pk) -> str:
    return _("网格岗位%(id)s") % {"id": pk}


@router.get("/", response={200: GridPostPage, **ERRORS_READ}, summary="网格岗位列表")
def list_grid_posts(request: HttpRequest, query: Query[GridPostQuery]):
    """``q`` matches part of the person's name."""
    qs = POST_READ.restrict(auth_user(request), Action.VIEW)
    if query.under:
        qs = qs.within(query.under)
    if query.node:
        qs = qs.filter(node__code=query.node)
    if query.kind:
        qs = qs.filter(kind=query.kind.value)
    if query.current is not None:
        today = timezone.localdate()
        current = qs.filter(start_on__lte=today).exclude(end_on__lt=today)
        qs = current if query.current else qs.exclude(pk__in=current.values("pk"))
    if q := query.q.strip():
        qs = qs.filter(person__name__contains=q)
    return paginate(qs.order_by("grid_path", "kind", "id"), query)


@router.get("/{post_id}", response={200: GridPostOut, **ERRORS_READ}, summary="网格岗位详情")
def get_grid_post(request: HttpRequest, post_id: int):
    return get_visible(POST_READ, auth_user(request), what=post_label(post_id), pk=post_id)


@router.post("/", response={201: GridPostOut, **ERRORS_WRITE}, summary="新增网格岗位")
def create_grid_post(request: HttpRequest, payload: GridPostCreate):
    user = auth_user(request)
    node = get_visible(GridNode.objects, user, what=node_label(payload.node), code=payload.node)
    person = get_visible(Person.objects, user, what=person_label(payload.person), pk=payload.person)
    data = payload_data(payload, omit=("node", "person"))
    post = scoped_write(
        user,
        GridPost,
        Action.MANAGE_GRID,
        lambda: grid_post_create(node=node, person=person, **data),
    )
    return Status(201, POST_READ.get(pk=post.pk))


@router.patch("/{post_id}", response={200: GridPostOut, **ERRORS_WRITE}, summary="修改网格岗位")
def update_grid_post(request: HttpRequest, post_id: int, payload: GridPostUpdate):
    user = auth_user(request)
    post = get_visible(POST_READ, user, Action.MANAGE_GRID, what=post_label(post_id), pk=post_id)
    data = payload_data(payload, exclude_unset=True)
    post = scoped_write(
        user, GridPost, Action.MANAGE_GRID, lambda: object_update(instance=post, data=data)
    )
    return POST_READ.get(pk=post.pk)
