"""Contact cards (连心卡), plaques and the public list: the staff's print page, and the public
phone page a card's QR code opens (``/c/<signed>/``, no sign-in)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gridgov.cases.forms import add_service_errors
from gridgov.cases.intake import matter_create
from gridgov.cases.models import Category, Channel
from gridgov.cases.rules import DESCRIPTION_MAX_CHARS, PUBLIC_REPORTS_PER_HOUR
from gridgov.cases.selectors import public_reports_left
from gridgov.core.clientip import client_address, limit_key
from gridgov.core.context import Source, actor_context
from gridgov.core.pages import page_view
from gridgov.core.printing import PDF_CONTENT_TYPE
from gridgov.core.rules import rule_value
from gridgov.core.scoping import collapse_paths, scope_paths
from gridgov.grid.models import CODE_LENGTH, GridLevel, GridNode
from gridgov.grid.pages import grid_crumbs
from gridgov.people.models import Household

from ..cards import (
    PRINT_KINDS,
    PRINTABLE_LEVELS,
    Contacts,
    LinkerShown,
    PrintResult,
    card_token_resolve,
    card_token_revoke,
    helps,
    linker_shown,
    microgrid_contacts,
    print_counts,
    print_kind,
    printable_node,
)
from ..models import Appraisal, CardToken, Link
from ..periods import appraisal_period, appraisal_period_label
from ..permissions import PRINT_CARDS
from ..rules import APPRAISAL_SCALE
from ..visits import appraisal_by_card

MAX_NODE_OPTIONS = 500


def pdf_response(result: PrintResult) -> HttpResponse:
    """The PDF as a download, named after the node (UTF-8 filename)."""
    from urllib.parse import quote

    response = HttpResponse(result.printed.pdf, content_type=PDF_CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d")
    name = quote(f"{result.filename}-{stamp}.pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    response["Cache-Control"] = "no-store"
    return response


def site_of(request: HttpRequest) -> str:
    """Where the cards' QR codes point: GRIDGOV_PUBLIC_URL, else this server as the request
    reached it."""
    from ..cards import public_base

    return public_base() or request.build_absolute_uri("/").rstrip("/")


def _print_nodes(user: Any) -> list[GridNode]:
    """The villages, groups and micro-grids where ``user`` may print, for the node picker."""
    qs = GridNode.objects.restrict(user, PRINT_CARDS).filter(level__in=PRINTABLE_LEVELS)
    return list(qs.only("code", "name", "level").order_by("code")[:MAX_NODE_OPTIONS])


def _default_node(user: Any) -> GridNode | None:
    paths = scope_paths(user, PRINT_CARDS)
    if paths is not None and not paths:
        return None
    roots = collapse_paths(paths) if paths else []
    qs = GridNode.objects.restrict(user, PRINT_CARDS).filter(level=GridLevel.VILLAGE)
    if roots:
        # The user's own node if it is a village or finer, else their first village.
        own = GridNode.objects.filter(code__in=roots, level__in=PRINTABLE_LEVELS).first()
        if own is not None:
            return own
    return qs.order_by("code").first()


@page_view
def link_cards(request: HttpRequest) -> HttpResponse:
    """The print page of a village, group or micro-grid: counts, the three PDFs, and revoking
    a household's card."""
    user = request.user
    if scope_paths(user, PRINT_CARDS) == []:
        raise Http404
    code = request.GET.get("node", "")
    node = printable_node(user, code) if code else _default_node(user)
    if code and node is None:
        raise Http404
    printable = node is not None and node.level in PRINTABLE_LEVELS
    return render(
        request,
        "links/cards/page.html",
        {
            "nav": "links",
            "node": node,
            "nodes": _print_nodes(user),
            "crumbs": grid_crumbs(user, node) if node else [],
            "printable": printable,
            "counts": print_counts(node, user) if node is not None and printable else None,
            "kinds": [
                ("cards", _("连心卡"), _("每张A4纸8张卡片（85×54毫米），带裁切线")),
                ("plaques", _("党员户门牌"), _("党员户和党员之家（党员中心户）门牌")),
                ("list", _("一人一牌公示"), _("谁联系哪些户，供村务公开栏张贴")),
            ],
        },
    )


@page_view
@require_POST
def link_cards_pdf(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """Print one of the three PDFs for the node (POST: printing issues card tokens)."""
    node = printable_node(request.user, code)
    if node is None or kind not in PRINT_KINDS:
        raise Http404
    try:
        result = print_kind(kind, node=node, by=request.user, site=site_of(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("web:link_cards") + f"?node={node.code}")
    return pdf_response(result)


@page_view
@require_POST
def link_cards_revoke(request: HttpRequest, code: str) -> HttpResponse:
    """Revoke a household's card (lost, or misused): its QR code stops working."""
    node = printable_node(request.user, code)
    if node is None:
        raise Http404
    number = (request.POST.get("household") or "").strip()[:32]
    back = reverse("web:link_cards") + f"?node={node.code}"
    found = (
        list(
            Household.objects.restrict(request.user, PRINT_CARDS)
            .within(node.code)
            .filter(Q(number=number) | Q(address=number))[:2]
        )
        if number
        else []
    )
    if not found:
        messages.error(request, _("本网格内没有找到户编号或门牌为“%(n)s”的户") % {"n": number})
        return redirect(back)
    if len(found) > 1:
        messages.error(request, _("门牌“%(n)s”对应多户，请输入户编号") % {"n": number})
        return redirect(back)
    household = found[0]
    try:
        n = card_token_revoke(household=household, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("已撤销%(h)s的连心卡二维码%(n)d个，重新打印时会生成新的二维码")
            % {"h": household.address or household.number, "n": n},
        )
    return redirect(back)


# -- The public phone page -------------------------------------------------------------------


class CardReportForm(forms.Form):
    """反映问题 from a card: what and a few words; name and phone optional. The place is the
    card's household, so there is nothing to choose."""

    category = forms.ChoiceField(
        label=gettext_lazy("反映什么问题"),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择事项类别"),
            "invalid_choice": gettext_lazy("未知的事项类别，请从列表中选择"),
        },
    )
    description = forms.CharField(
        label=gettext_lazy("具体情况"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请写下要反映的问题")},
    )
    reporter_name = forms.CharField(label=gettext_lazy("姓名"), required=False, max_length=50)
    reporter_phone = forms.CharField(
        label=gettext_lazy("电话"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = list(Category.objects.filter(is_active=True))
        field: Any = self.fields["category"]
        field.choices = [(c.code, c.name) for c in self.categories]
        self.fields["description"].widget.attrs["maxlength"] = rule_value(DESCRIPTION_MAX_CHARS)

    def clean_category(self) -> Category:
        code = self.cleaned_data["category"]
        return next(c for c in self.categories if c.code == code)


GONE = {
    "forged": (
        404,
        gettext_lazy("二维码无法识别"),
        gettext_lazy("这个二维码不是本系统签发的，或已损坏。"),
    ),
    "unknown": (404, gettext_lazy("二维码无法识别"), gettext_lazy("没有找到这张连心卡。")),
    "revoked": (
        410,
        gettext_lazy("这张连心卡已停用"),
        gettext_lazy("这张卡片已被村（社区）撤销，可能已更换新卡。"),
    ),
    "expired": (
        410,
        gettext_lazy("这张连心卡已过期"),
        gettext_lazy("这张卡片已超过有效期，请向村（社区）索取新卡。"),
    ),
}


def _gone(request: HttpRequest, reason: str) -> HttpResponse:
    status, title, text = GONE[reason]
    response = render(
        request,
        "links/cards/public_gone.html",
        {"title": title, "text": text, "report_url": reverse("public:report")},
        status=status,
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _public_context(token: CardToken) -> dict[str, Any]:
    household = token.household
    link = (
        Link.objects.filter(household=household, end_on__isnull=True)
        .select_related("linker__person")
        .first()
    )
    linker: LinkerShown | None = linker_shown(link.linker) if link else None
    mg = household.microgrid
    contacts = microgrid_contacts(mg, timezone.localdate()).get(mg.code, Contacts())
    village = (
        GridNode.objects.filter(code=mg.code[: CODE_LENGTH[GridLevel.VILLAGE]])
        .values_list("name", flat=True)
        .first()
        or ""
    )
    return {
        "linker": linker,
        "appraisal": _appraisal_context(household) if link else None,
        "contacts": contacts,
        "microgrid": mg.name,
        "village": village,
        "helps": helps(),
    }


def _appraisal_context(household: Any) -> dict[str, Any]:
    """The household's appraisal of its linker this period: offered once, then thanked."""
    period = appraisal_period(timezone.localdate())
    low, high = (int(v) for v in rule_value(APPRAISAL_SCALE))
    done = Appraisal.objects.filter(household=household, period=period).exists()
    return {
        "period": appraisal_period_label(period),
        "done": done,
        "scores": range(low, high + 1),
    }


@never_cache
@require_POST
def card_appraise(request: HttpRequest, value: str) -> HttpResponse:
    """The household scores its linker from its card's page (one score a period)."""
    token = card_token_resolve(value)
    if isinstance(token, str):
        return _gone(request, token)
    try:
        score = int(request.POST.get("score", ""))
    except ValueError:
        score = -1
    try:
        with actor_context(source=Source.WEB, ip=client_address(request)):
            appraisal_by_card(token=token, score=score)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("谢谢您的评议"))
    return redirect(reverse("card:page", args=[value]))


@never_cache
def card_page(request: HttpRequest, value: str) -> HttpResponse:
    """What a card's QR code opens: call or message the linker, or report a matter that goes
    straight to the household's micro-grid (cases' intake, rate-limited as the public form)."""
    token = card_token_resolve(value)
    if isinstance(token, str):
        return _gone(request, token)
    form = CardReportForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        sender = limit_key(client_address(request))
        if public_reports_left(source_ip=sender) <= 0:
            form.is_valid()
            form.add_error(
                None,
                _("提交过于频繁：每个网络每小时最多提交%(n)d件，请稍后再试，或直接联系联户人。")
                % {"n": rule_value(PUBLIC_REPORTS_PER_HOUR)},
            )
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                with actor_context(source=Source.WEB, ip=client_address(request)):
                    matter = matter_create(
                        category=data["category"],
                        description=data["description"],
                        channel=Channel.PUBLIC,
                        household=token.household,
                        reporter_name=data.get("reporter_name", ""),
                        reporter_phone=data.get("reporter_phone", ""),
                        source_ip=sender,
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect(reverse("public:track", args=[matter.tracking_token]) + "?new=1")
    response = render(
        request,
        "links/cards/public.html",
        {**_public_context(token), "form": form, "value": value},
        status=status,
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
