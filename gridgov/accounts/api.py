"""The users-and-roles API (/api/v1/users/…), for roles that manage users.

Mounted by ``gridgov.api.router`` (authentication, error bodies and the acting user come from
there). The same rules as the pages: a user the caller may not manage, and a node outside where
they may grant, answer 404; a role above the caller's own is refused (422); nothing here can
make anyone superuser or staff (unknown fields are refused). Temporary passwords are returned
once, in the answer that sets them.

``me`` (/api/v1/me) is the signed-in user: who they are and where they hold which role.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from gridgov.core.apitools import ErrorOut, auth_user
from gridgov.grid.models import GridNode

from . import services
from .authority import may_manage_anywhere
from .models import Assignment
from .schemas import (
    AssignmentCreate,
    MeOut,
    PasswordReset,
    UserCreate,
    UserCreated,
    UserOut,
    UserPage,
    UserQuery,
    UserRoleOut,
    UsersErrorOut,
    UsersFieldErrorsOut,
)
from .selectors import managed_assignment, managed_node, user_detail, user_list

router = Router(tags=["用户与角色"])
me = Router(tags=["当前用户"])
User = get_user_model()
_READ = {401: UsersErrorOut, 403: UsersErrorOut, 404: UsersErrorOut, 422: UsersFieldErrorsOut}


class _NotFound(Http404):
    """Answered as the API's 404 body (``what`` names the kind of object)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _manager(request: HttpRequest) -> Any:
    user = auth_user(request)
    if not may_manage_anywhere(user):
        raise _NotFound("")
    return user


def _user(request: HttpRequest, user_id: int) -> Any:
    try:
        return user_detail(_manager(request), user_id)
    except User.DoesNotExist:
        raise _NotFound(_("用户")) from None


def _node(manager: Any, code: str) -> GridNode:
    try:
        return managed_node(manager, code)
    except GridNode.DoesNotExist:
        raise _NotFound(_("网格")) from None


@router.get("/", response={200: UserPage, **_READ}, summary="可管理的用户")
def list_users(request: HttpRequest, query: Query[UserQuery]) -> dict[str, Any]:
    manager = _manager(request)
    status = "" if query.active is None else ("active" if query.active else "inactive")
    users = user_list(
        manager,
        q=query.q,
        role=query.role.value if query.role else "",
        node=query.node,
        status=status,
    )
    return {
        "count": users.count(),
        "items": list(users[query.offset : query.offset + query.limit]),
    }


@router.get("/{user_id}", response={200: UserOut, **_READ}, summary="用户及其角色")
def get_user(request: HttpRequest, user_id: int) -> Any:
    return _user(request, user_id)


@router.post("/", response={201: UserCreated, **_READ}, summary="新建用户（临时密码只返回一次）")
def create_user(request: HttpRequest, payload: UserCreate) -> Status[Any]:
    manager = _manager(request)
    node = _node(manager, payload.node)
    password = services.temporary_password()
    try:
        user = services.user_create(
            by=manager,
            username=payload.username,
            full_name=payload.full_name,
            password=password,
            node=node,
            role=payload.role.value,
        )
    except GridNode.DoesNotExist:
        raise _NotFound(_("网格")) from None
    user = user_detail(manager, user.pk)
    user.temporary_password = password
    return Status(201, user)


def _act(request: HttpRequest, user_id: int, service: Any) -> Any:
    target = _user(request, user_id)
    try:
        service(by=request.auth, user=target)  # type: ignore[attr-defined]
    except User.DoesNotExist:
        raise _NotFound(_("用户")) from None
    return user_detail(request.auth, target.pk)  # type: ignore[attr-defined]


@router.post("/{user_id}/deactivate", response={200: UserOut, **_READ}, summary="停用用户")
def deactivate_user(request: HttpRequest, user_id: int) -> Any:
    """The user's sign-ins, sessions and API tokens stop working at once."""
    return _act(request, user_id, services.user_deactivate)


@router.post("/{user_id}/reactivate", response={200: UserOut, **_READ}, summary="恢复用户")
def reactivate_user(request: HttpRequest, user_id: int) -> Any:
    return _act(request, user_id, services.user_reactivate)


@router.post(
    "/{user_id}/password-reset",
    response={200: PasswordReset, **_READ},
    summary="重置密码（临时密码只返回一次）",
)
def reset_password(request: HttpRequest, user_id: int) -> dict[str, str]:
    target = _user(request, user_id)
    try:
        password = services.user_password_reset(by=request.auth, user=target)  # type: ignore[attr-defined]
    except User.DoesNotExist:
        raise _NotFound(_("用户")) from None
    return {"temporary_password": password}


@router.post(
    "/{user_id}/assignments",
    response={201: UserRoleOut, **_READ},
    summary="授予角色（只能在可管理的网格、不高于本人的角色）",
)
def grant(request: HttpRequest, user_id: int, payload: AssignmentCreate) -> Status[Any]:
    target = _user(request, user_id)
    node = _node(request.auth, payload.node)  # type: ignore[attr-defined]
    try:
        assignment = services.assignment_create(
            by=request.auth,  # type: ignore[attr-defined]
            user=target,
            node=node,
            role=payload.role.value,
        )
    except (GridNode.DoesNotExist, User.DoesNotExist):
        raise _NotFound(_("网格")) from None
    return Status(201, Assignment.objects.select_related("node").get(pk=assignment.pk))


@router.delete(
    "/{user_id}/assignments/{assignment_id}",
    response={204: None, **_READ},
    summary="收回角色",
)
def revoke(request: HttpRequest, user_id: int, assignment_id: int) -> Status[None]:
    target = _user(request, user_id)
    try:
        assignment = managed_assignment(request.auth, target, assignment_id)  # type: ignore[attr-defined]
        services.assignment_delete(by=request.auth, assignment=assignment)  # type: ignore[attr-defined]
    except (Assignment.DoesNotExist, User.DoesNotExist):
        raise _NotFound(_("角色")) from None
    return Status(204, None)


@me.get("", response={200: MeOut, 401: ErrorOut}, summary="当前用户")
def get_me(request: HttpRequest) -> dict[str, Any]:
    user = auth_user(request)
    assignments = Assignment.objects.filter(user=user).select_related("node").order_by("node__code")
    return {
        "username": user.username,
        "full_name": user.get_full_name() or user.first_name,
        "is_superuser": user.is_superuser,
        "assignments": list(assignments),
    }
