"""The calling user (/me): who they are and where they hold which role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from gridgov.accounts.models import Assignment
from gridgov.core.apischemas import Choice, NodeRef, choice
from gridgov.core.apitools import ErrorOut

from .auth import auth_user

router = Router(tags=["当前用户"])


class AssignmentOut(Schema):
    node: NodeRef
    role: Choice

    @staticmethod
    def resolve_role(obj: Any) -> dict[str, str]:
        return choice(obj, "role")


class MeOut(Schema):
    username: str
    full_name: str
    is_superuser: bool
    assignments: list[AssignmentOut]


@router.get("", response={200: MeOut, 401: ErrorOut}, summary="当前用户")
def get_me(request: HttpRequest):
    user = auth_user(request)
    assignments = Assignment.objects.filter(user=user).select_related("node").order_by("node__code")
    return {
        "username": user.username,
        "full_name": user.get_full_name() or user.first_name,
        "is_superuser": user.is_superuser,
        "assignments": list(assignments),
    }
