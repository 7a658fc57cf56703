"""``POST /decisions/tally``: the quorum and majority of a meeting, as ``gridgov decisions tally``
answers one line (``decisions.tally``); mounted by ``api/router.py``.

The body is one JSON object, ``{"body": ..., <counts>}``; the answer is the five keys of the
interface, or 400 with ``error`` (the command's message, in English) beside the API's Chinese
``detail``. The request body is read here, not by a schema, so that the API and the command
refuse the same input with the same message (a bool, ``5.0`` or ``"5"`` for a count, a field
given twice); the OpenAPI document describes it from the same table of fields. Any signed-in
user may tally: it reads nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from gridgov.core.apitools import ErrorOut

from ..rules import BODIES, PUBLIC_TALLY_BODIES
from ..tally import FIELDS, ROLL_FIELDS, TallyError, parse_json, tally_object

router = Router(tags=["重要事项决策"])

FIELD_DOCS = {
    "adults": "本村（本组）十八周岁以上村民人数（应到）",
    "households": "本村（本组）户数（应到的户代表）",
    "present_adults": "到会的十八周岁以上村民人数",
    "present_household_reps": "到会的户代表人数",
    "members": "组成人员（成员、委员、代表）人数（应到）",
    "voting_members": "有表决权的党员人数（应到会）",
    "present": "实到人数",
    "yes": "赞成票数",
}


class TallyOut(Schema):
    quorum: bool = Field(..., description="是否达到到会要求")
    passed: bool = Field(..., description="是否通过（未达到到会要求的会议一律不通过）")
    rule: str = Field(..., description="适用的规则")
    version: str = Field(..., description="规则依据的文本版本")
    citation: str = Field(..., description="依据（法规名称和条款）")


class TallyErrorOut(Schema):
    detail: str
    error: str = Field(
        "", description="计票数据的错误（英文，与 gridgov decisions tally 的 error 相同）"
    )


def _variant(body: str) -> dict[str, Any]:
    fields = FIELDS[body]
    properties: dict[str, Any] = {"body": {"type": "string", "enum": [body]}}
    for name in fields:
        least = 1 if name in ROLL_FIELDS else 0
        properties[name] = {"type": "integer", "minimum": least, "description": FIELD_DOCS[name]}
    return {
        "title": f"{body}（{BODIES.default[body]['name']}）",
        "type": "object",
        "properties": properties,
        "required": ["body", *fields],
        "additionalProperties": False,
    }


REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "会议类别 body 及其人数；到会和赞成人数不能超过应到和到会人数",
        "content": {
            "application/json": {
                "schema": {"oneOf": [_variant(body) for body in PUBLIC_TALLY_BODIES]},
                "example": {"body": "party_assembly", "voting_members": 10, "present": 6, "yes": 6},
            }
        },
    }
}


def _refused(message: str) -> Status[dict[str, str]]:
    return Status(400, {"detail": _("计票数据有误：%(e)s") % {"e": message}, "error": message})


@router.post(
    "/tally",
    response={200: TallyOut, 400: TallyErrorOut, 401: ErrorOut, 413: ErrorOut},
    summary="按会议规则计算到会和表决结果",
    openapi_extra=REQUEST_BODY,
)
def tally(request: HttpRequest) -> Status[dict[str, Any]] | Status[dict[str, str]]:
    """Whether the meeting had its quorum and passed, under the body's rule with its version
    and citation (村民委员会组织法、支部工作条例、农村集体经济组织法). The counts are checked
    as the command checks them; a county's rules (GRIDGOV_RULES) apply."""
    try:
        raw = request.body
    except RawPostDataException:  # a multipart form, already read as one
        return _refused("request body must be a JSON object (Content-Type: application/json)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _refused("request body is not valid UTF-8")
    if not text.strip():
        return _refused("empty request body: expected a JSON object")
    try:
        result = tally_object(parse_json(text))
    except TallyError as exc:
        return _refused(str(exc))
    return Status(200, dict(result.as_public()))
