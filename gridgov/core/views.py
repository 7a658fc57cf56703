"""The audit log page (审计), per object and per user, for roles that audit (县级管理员, 镇街干部,
村务监督委员).

The page is core's because the audit chain is: it reads ``core.selectors.audit_list``, which
asks the scope provider that accounts registers (``core.scoping``) where the user may audit, so
nothing here imports an app. Mounted by ``gridgov.web.urls`` (URL name ``web:audit``).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .pages import FilterDateField, FilterIdField, page_view, paginate
from .scoping import may_anywhere
from .selectors import ACTION_LABELS, audit_list


class AuditFilterForm(forms.Form):
    object_type = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    object_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    actor = FilterIdField(widget=forms.HiddenInput)
    action = forms.ChoiceField(
        label=_("动作"),
        required=False,
        choices=[("", _("动作：全部")), *((k, v) for k, v in ACTION_LABELS.items())],
    )
    since = FilterDateField(label=_("从"))
    until = FilterDateField(label=_("到"))


@page_view
def audit_log(request: HttpRequest) -> HttpResponse:
    """Entries where the user may audit; ``object_type``+``object_id`` or ``actor`` narrow it to
    one object's or one user's history."""
    user = request.user
    if not may_anywhere(user, "audit"):
        raise Http404
    form = AuditFilterForm(request.GET)
    form.is_valid()
    data = form.cleaned_data  # the valid filters; a bad one is left out and named on the page
    entries = audit_list(
        user,
        object_type=data.get("object_type") or "",
        object_id=data.get("object_id") or "",
        actor=data.get("actor"),
        action=data.get("action") or "",
        since=data.get("since"),
        until=data.get("until"),
    )
    actor = None
    if data.get("actor"):
        actor = get_user_model().objects.filter(pk=data["actor"]).only("username").first()
    return render(
        request,
        "core/audit.html",
        {
            "form": form,
            "page": paginate(request, entries),
            "labels": ACTION_LABELS,
            "actor": actor,
            "object_type": data.get("object_type") or "",
            "object_id": data.get("object_id") or "",
            "nav": "audit",
        },
    )
