"""Schemas of the users-and-roles API (/api/v1/users/…) and of the signed-in user (/api/v1/me)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from ninja import Field, Schema
from pydantic import ConfigDict

from gridgov.core.apischemas import Choice, NodeRef, choice

from .models import Assignment
from .roles import Role

_TEXT = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL


class _Body(Schema):
    """Unknown fields are refused (e.g. ``is_superuser``), never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class UsersErrorOut(Schema):
    detail: str


class UsersFieldErrorsOut(Schema):
    detail: str
    errors: dict[str, list[str]]


class UserRoleChoice(Schema):
    code: str
    label: str


class UserRoleOut(Schema):
    id: int
    node: str = Field(..., description="网格代码")
    node_name: str
    role: UserRoleChoice
    created_at: dt.datetime

    @staticmethod
    def resolve_node(obj: Assignment) -> str:
        code: str = obj.node_code
        return code

    @staticmethod
    def resolve_node_name(obj: Assignment) -> str:
        name: str = obj.node.name
        return name

    @staticmethod
    def resolve_role(obj: Any) -> dict[str, str]:
        return {"code": obj.role, "label": str(Role(obj.role).label)}


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    is_active: bool
    must_change_password: bool
    assignments: list[UserRoleOut]

    @staticmethod
    def resolve_full_name(obj: User) -> str:
        return obj.first_name

    @staticmethod
    def resolve_must_change_password(obj: Any) -> bool:
        # A user without a state row has none: the reverse relation raises an AttributeError.
        state = getattr(obj, "account_state", None)
        return bool(state and state.must_change_password)

    @staticmethod
    def resolve_assignments(obj: Any) -> list[Any]:
        return list(obj.assignments.all())


class UserPage(Schema):
    count: int
    items: list[UserOut]


class UserQuery(Schema):
    q: str = Field("", max_length=100, pattern=_TEXT, description="账号或姓名")
    role: Role | None = Field(None, description="担任此角色")
    node: str = Field("", max_length=18, pattern=r"^\d*$", description="在此网格之下担任角色")
    active: bool | None = Field(None, description="是否在用")
    limit: int = Field(50, ge=1, le=200, description="每页条数（最多200）")
    offset: int = Field(0, ge=0, le=1_000_000_000, description="跳过的条数")


class UserCreate(_Body):
    username: str = Field(..., min_length=1, max_length=150, pattern=_TEXT)
    full_name: str = Field(..., min_length=1, max_length=150, pattern=_TEXT)
    node: str = Field(..., min_length=6, max_length=18, pattern=r"^\d+$", description="网格代码")
    role: Role


class UserCreated(UserOut):
    temporary_password: str = Field(..., description="临时密码，只返回这一次；首次登录须修改")


class PasswordReset(Schema):
    temporary_password: str = Field(..., description="临时密码，只返回这一次；登录后须修改")


class AssignmentCreate(_Body):
    node: str = Field(..., min_length=6, max_length=18, pattern=r"^\d+$", description="网格代码")
    role: Role


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
