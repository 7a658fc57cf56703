"""References shared by the decisions API's schemas, the important-matters list and opinion
coverage."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from gridgov.core.apischemas import Choice, WriteSchema, choice

BIG = 10**7  # far above any village's roll; keeps counts within every column's range
TEXT = 20000


def user_name(user: Any) -> str | None:
    """A user's display name (full name, else the account name); None for nobody."""
    if user is None:
        return None
    return str(user.get_full_name() or user.username)


def _optional_choice(obj: Any, field: str) -> dict[str, str] | None:
    return choice(obj, field) if getattr(obj, field) else None


# -- References --------------------------------------------------------------------------------


class DecisionMatterRef(Schema):
    id: int
    number: str
    title: str


class DecisionStageRef(Schema):
    id: int
    order: int
    kind: Choice

    @staticmethod
    def resolve_kind(obj: Any) -> dict[str, str]:
        return choice(obj, "kind")


class DecisionKindRef(Schema):
    code: str
    name: str


class DecisionNamedRef(Schema):
    id: int
    name: str


class DecisionCodeNameRef(Schema):
    code: str
    name: str


# -- The important-matters list ---------------------------------------------------------------


class DecisionKindOut(Schema):
    id: int
    code: str
    name: str
    procedure: Choice
    list_at: str = Field(..., description="设立该清单的区县或乡镇代码")

    @staticmethod
    def resolve_procedure(obj: Any) -> dict[str, str]:
        return choice(obj, "procedure")

    @staticmethod
    def resolve_list_at(obj: Any) -> str:
        return str(obj.grid_path)


class DecisionKindQuery(Schema):
    node: str = Field(
        "", max_length=18, pattern=r"^\d*$", description="村或村民小组代码（默认：您的最上级网格）"
    )


class DecisionKindSeed(WriteSchema):
    county: str = Field(..., max_length=18, pattern=r"^\d*$", description="区县代码")


# -- Opinion coverage -------------------------------------------------------------------------


class OpinionCoverageOut(Schema):
    label: str = Field(..., description="全部，或微网格名称")
    total: int = Field(..., description="须征求的户数")
    answered: int
    support: int
    oppose: int
    suggestion: int
    share: str = Field(..., description="已答复户占比（如 40%；无户时为 —）")

    @staticmethod
    def resolve_share(obj: Any) -> str:
        return str(obj.share_text)
