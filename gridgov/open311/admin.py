"""Admin of Open311 API keys: list, issue (the secret is shown once, in a message), revoke.

The digest is never shown nor editable; a key is revoked, not edited or deleted, so that the
audit log keeps who could post what.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from gridgov.core.context import Source, actor_context

from .models import ApiKey
from .services import api_key_create, api_key_revoke


class ApiKeyCreateForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["name"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    readonly_fields = ["name", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    exclude = ["digest"]
    actions = ["revoke"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["name"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False  # issued and revoked, never edited

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request):
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def save_model(self, request, obj, form, change):
        if change:
            return
        with actor_context(user=request.user, source=Source.WEB):
            saved, secret = api_key_create(name=obj.name)
        obj.pk = saved.pk
        messages.warning(
            request,
            _("密钥“%(name)s”：%(secret)s ——只显示这一次，请立即交给对方系统的管理员。")
            % {"name": saved.name, "secret": secret},
        )

    @admin.action(description=_("吊销所选密钥"), permissions=["revoke"])
    def revoke(self, request, queryset):
        with actor_context(user=request.user, source=Source.WEB):
            for key in queryset:
                api_key_revoke(key=key)
        self.message_user(request, _("已吊销 %(n)d 个密钥") % {"n": queryset.count()})
