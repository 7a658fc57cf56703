"""Pages for residents under /p/, no account needed: report a matter, follow it by its tracking
link, and answer it (review, or ask for it to be handled again).

The tracking token is the only key: the page shows the matter's own number, category, status,
village, public timeline and answer; never the reporter's name or phone, staff names, internal
notes, or anything of another matter.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gridgov.core.clientip import client_address, limit_key
from gridgov.core.context import Source, actor_context
from gridgov.core.rules import rule_value
from gridgov.grid.models import CODE_LENGTH, GridLevel, GridNode

from ..forms import (
    PublicReopenForm,
    PublicReportForm,
    PublicReviewForm,
    add_service_errors,
    group_choices,
)
from ..intake import matter_create
from ..models import Channel, Matter, Satisfaction, Status
from ..rules import PUBLIC_REPORTS_PER_HOUR
from ..selectors import public_reports_left, public_timeline
from ..services import matter_reopen, matter_review
from ..transitions import action_label

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,32}")


def _actor(request: HttpRequest):
    return actor_context(source=Source.WEB, ip=client_address(request))


@never_cache
def home(request: HttpRequest) -> HttpResponse:
    """Two ways in: report a new matter, or open one by its tracking link or code."""
    given = (request.GET.get("t") or "").strip()
    error = ""
    if given:
        token = given.rstrip("/").rsplit("/", 1)[-1]  # a pasted link works as well as the code
        if TOKEN.fullmatch(token) and Matter.objects.filter(tracking_token=token).exists():
            return redirect("public:track", token=token)
        error = _("没有找到这个查询码，请核对后再试")
    return render(request, "cases/public/home.html", {"given": given, "error": error})


@never_cache
def report(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "cases/public/report.html", {"form": PublicReportForm()})
    form = PublicReportForm(request.POST, request.FILES)
    # Counted per client (through the trusted proxies; an IPv6 client by its /64).
    sender = limit_key(client_address(request))
    if public_reports_left(source_ip=sender) <= 0:
        form.is_valid()
        form.add_error(
            None,
            _("提交过于频繁：每个网络每小时最多提交%(n)d件，请稍后再试，或拨打村（社区）电话反映。")
            % {"n": rule_value(PUBLIC_REPORTS_PER_HOUR)},
        )
        return render(request, "cases/public/report.html", {"form": form}, status=429)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with _actor(request):
                matter = matter_create(
                    category=data["category"],
                    description=data["description"],
                    channel=Channel.PUBLIC,
                    lat=data.get("lat"),
                    lng=data.get("lng"),
                    place=form.place(),
                    address=data.get("address", ""),
                    reporter_name=data.get("reporter_name", ""),
                    reporter_phone=data.get("reporter_phone", ""),
                    anonymous=data.get("anonymous", False),
                    photos=data.get("photos") or [],
                    source_ip=sender,
                )
        except ValidationError as exc:
            add_service_errors(form, exc, place_field="village")
        else:
            return redirect(reverse("public:track", args=[matter.tracking_token]) + "?new=1")
    return render(request, "cases/public/report.html", {"form": form}, status=400)


def groups(request: HttpRequest) -> HttpResponse:
    """The groups of a village as <option>s, fetched by htmx when a village is chosen."""
    return render(
        request,
        "cases/public/groups.html",
        {"choices": group_choices(request.GET.get("village", ""))},
    )


def _matter(token: str) -> Matter:
    if not TOKEN.fullmatch(token):
        raise Http404
    matter = (
        Matter.objects.select_related("category", "grid_node").filter(tracking_token=token).first()
    )
    if matter is None:
        raise Http404
    return matter


def village_name(matter: Matter) -> str:
    """The village (or the town, for a town's inbox) of the matter: no finer place."""
    length = CODE_LENGTH[GridLevel.VILLAGE]
    if len(matter.grid_path) <= length:
        return matter.grid_node.name
    name = GridNode.objects.filter(code=matter.grid_path[:length]).values_list("name", flat=True)
    return name.first() or ""


def _track(
    request: HttpRequest,
    matter: Matter,
    *,
    review_form: PublicReviewForm | None = None,
    reopen_form: PublicReopenForm | None = None,
    status: int = 200,
) -> HttpResponse:
    settled = matter.status == Status.SETTLED
    unsatisfied = (
        matter.status == Status.REVIEWED and matter.satisfaction == Satisfaction.UNSATISFIED
    )
    response = render(
        request,
        "cases/public/track.html",
        {
            "matter": matter,
            "village": village_name(matter),
            "timeline": [(e, action_label(e.action)) for e in public_timeline(matter)],
            "may_review": settled,
            "may_reopen": settled or unsatisfied,
            "review_form": review_form or PublicReviewForm(),
            "reopen_form": reopen_form or PublicReopenForm(),
            "reopen_open": unsatisfied or reopen_form is not None,
            "track_url": request.build_absolute_uri(
                reverse("public:track", args=[matter.tracking_token])
            ),
            "new": request.GET.get("new") == "1",
            "done": request.GET.get("done", ""),
        },
        status=status,
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
def track(request: HttpRequest, token: str) -> HttpResponse:
    return _track(request, _matter(token))


def _resident_step(request: HttpRequest, token: str, form_class, step: str, run) -> HttpResponse:
    """A step the resident takes on the tracking page (review, reopen): the form, the service
    acting for no user, back to the page with the outcome or the form's errors."""
    matter = _matter(token)
    form = form_class(request.POST)
    status = 400
    if form.is_valid():
        try:
            with _actor(request):
                run(matter, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            status = 403
        else:
            return redirect(reverse("public:track", args=[token]) + f"?done={step}")
    return _track(request, matter, status=status, **{f"{step}_form": form})


@never_cache
@require_POST
def track_review(request: HttpRequest, token: str) -> HttpResponse:
    return _resident_step(
        request,
        token,
        PublicReviewForm,
        "review",
        lambda matter, data: matter_review(
            matter=matter, satisfaction=data["satisfaction"], comment=data["comment"], user=None
        ),
    )


@never_cache
@require_POST
def track_reopen(request: HttpRequest, token: str) -> HttpResponse:
    return _resident_step(
        request,
        token,
        PublicReopenForm,
        "reopen",
        lambda matter, data: matter_reopen(matter=matter, reason=data["reason"], user=None),
    )
