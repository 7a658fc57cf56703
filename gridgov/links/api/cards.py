"""The REST API of the links app's cards part; mounted by ``api/router.py``.

``GET /link-cards?under=CODE&kind=cards|plaques|list`` prints a PDF for a village, villager
group or micro-grid (``print_cards`` there; out of scope is 404); ``POST /link-cards/revoke``
revokes a household's card tokens."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from gridgov.core.apitools import ERRORS_READ, ERRORS_WRITE, NotFound, auth_user, get_visible
from gridgov.people.models import Household

from ..cards import card_token_revoke, print_kind, printable_node
from ..permissions import PRINT_CARDS
from ..views.cards import pdf_response, site_of

router = Router(tags=["连心卡"])

PDF_RESPONSE: dict[str, Any] = {
    "responses": {
        200: {
            "description": "PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class PrintKind(StrEnum):
    CARDS = "cards"
    PLAQUES = "plaques"
    LIST = "list"


class PrintQuery(Schema):
    under: str = Field(..., max_length=18, description="村（社区）、村民小组或微网格代码")
    kind: PrintKind = Field(
        PrintKind.CARDS, description="cards 连心卡；plaques 党员户门牌；list 一人一牌公示"
    )


class RevokeIn(Schema):
    household: str = Field(..., max_length=32, description="户编号")


class RevokeOut(Schema):
    household: str
    revoked: int


@router.get(
    "/link-cards",
    response={200: None, **ERRORS_READ},
    summary="打印连心卡、党员户门牌或一人一牌公示（PDF）",
    openapi_extra=PDF_RESPONSE,
)
def link_cards_print(request: HttpRequest, query: Query[PrintQuery]) -> HttpResponse:
    """A4 PDF for every household under ``under`` in the caller's scope; printing cards issues
    QR tokens for households without a valid one. Each print is audited with its counts."""
    user = auth_user(request)
    node = printable_node(user, query.under)
    if node is None:
        raise NotFound(_("网格%(c)s") % {"c": query.under})
    result = print_kind(PrintKind(query.kind).value, node=node, by=user, site=site_of(request))
    return pdf_response(result)


@router.post(
    "/link-cards/revoke", response={200: RevokeOut, **ERRORS_WRITE}, summary="撤销连心卡二维码"
)
def link_cards_revoke(request: HttpRequest, payload: RevokeIn) -> dict[str, Any]:
    """Revoke the household's valid card tokens (a lost card): its QR code then opens the
    "no longer valid" page. 422 when it has none."""
    user = auth_user(request)
    household = get_visible(
        Household.objects,
        user,
        PRINT_CARDS,
        what=_("户%(n)s") % {"n": payload.household},
        number=payload.household,
    )
    revoked = card_token_revoke(household=household, by=user)
    return {"household": household.number, "revoked": revoked}
