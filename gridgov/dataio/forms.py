"""The import upload form."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .schemas import SCHEMAS

# The schemas' titles, marked here so that they are translated on the import page.
KIND_LABELS = {
    "grid": _("网格"),
    "party_orgs": _("党组织"),
    "bodies": _("自治组织"),
    "households": _("户"),
    "persons": _("人员"),
    "party_members": _("党员"),
    "memberships": _("组织成员"),
    "grid_posts": _("网格岗位"),
    "linkers": _("联户人"),
    "links": _("联户关系"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind) or SCHEMAS[kind].title)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入内容"))
    file = forms.FileField(
        label=_("文件"),
        help_text=_("Excel（.xlsx）或 CSV（UTF-8）文件，第一行为表头，与模板一致"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(
        label=_("试导入：只检查，不保存"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, kind_label(k)) for k in SCHEMAS]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("只接受 .xlsx 或 .csv 文件"))
        limit = settings.GRIDGOV_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("文件太大（%(size)s），上限为%(limit)s")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        return upload
