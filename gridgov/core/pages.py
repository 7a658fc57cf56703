"""What every app's pages use: sign-in, filter fields that cannot overflow, database paging."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

PER_PAGE = 50
# Filters on dates outside these bounds mean nothing here, and at the calendar's ends (0001-01-01,
# 9999-12-31) turning a local day into a UTC range overflows Python's datetime.
FILTER_DATE_MIN = dt.date(1900, 1, 1)
FILTER_DATE_MAX = dt.date(2999, 12, 31)
# Ids are 64-bit signed in every database we run on; SQLite raises on a larger Python int.
FILTER_ID_MAX = 2**63 - 1


class FilterDateField(forms.DateField):
    """A date filter within FILTER_DATE_MIN..FILTER_DATE_MAX: outside it, a form error."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and not FILTER_DATE_MIN <= value <= FILTER_DATE_MAX:
            raise forms.ValidationError(
                gettext_lazy("日期须在%(min)s至%(max)s之间"),
                code="out_of_range",
                params={"min": FILTER_DATE_MIN.isoformat(), "max": FILTER_DATE_MAX.isoformat()},
            )


class FilterIdField(forms.IntegerField):
    """A database id filter: 1..FILTER_ID_MAX, else a form error (never an overflow)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", FILTER_ID_MAX)
        super().__init__(**kwargs)


def page_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """Every page needs a signed-in user; anonymous visitors go to the sign-in page."""
    return login_required(view)


class CountedPaginator(Paginator[Any]):
    """A paginator that may be told its total instead of running COUNT(*)."""

    def __init__(self, object_list: Any, per_page: int, *, count: int | None = None) -> None:
        super().__init__(object_list, per_page)
        if count is not None:
            self.__dict__["count"] = count  # fills the cached_property


def paginate(
    request: HttpRequest, queryset: QuerySet[Any, Any], *, count: int | None = None
) -> Page[Any]:
    """The asked-for page; a missing, odd or out-of-range number gives the first or last page."""
    paginator = CountedPaginator(queryset, PER_PAGE, count=count)
    number = (request.GET.get("page") or "")[:20]  # longer is no page number; keep int() cheap
    return paginator.get_page(number)


def search_field(placeholder: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=_("查找"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": placeholder}),
    )


class ListFilterForm(forms.Form):
    """Filters every list shares: the grid node to look under."""

    under = forms.CharField(required=False, max_length=18, widget=forms.HiddenInput)

    def value(self, name: str) -> str:
        """The cleaned value, or empty when the field is missing or invalid (filters are lax)."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name) or ""
