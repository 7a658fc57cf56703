"""Admin pages of users, roles and tokens, for superusers only (``accounts.admin_site``).

Even there every change of a user (flags, password, deletion) and of a role is written to the
audit chain, with who did it; passwords never are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import User as UserType
from django.db import transaction
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from gridgov.core.audit import audit_record

from .models import AccountState, ApiToken, Assignment, SignInFailure
from .services import api_token_revoke, assignment_create, assignment_delete

User = get_user_model()
# What the chain keeps of a user row changed in the admin (never the password hash).
_USER_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
)


def _user_fields(user: UserType) -> dict[str, Any]:
    return {name: getattr(user, name) for name in _USER_FIELDS}


def _audit_user(action: str, user: UserType, **changes: Any) -> None:
    audit_record(
        action=action,
        object_type="auth.user",
        object_id=str(user.pk),
        object_repr=user.get_username(),
        **changes,
    )


if TYPE_CHECKING:  # generic in the stubs only
    _PasswordChangeForm = AdminPasswordChangeForm[UserType]
else:
    _PasswordChangeForm = AdminPasswordChangeForm


class AuditedPasswordChangeForm(_PasswordChangeForm):
    def save(self, commit: bool = True) -> UserType:
        with transaction.atomic():
            user = super().save(commit=commit)
            _audit_user("password_reset", user, after={"user_id": user.pk, "by": "admin"})
        return user


admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(UserAdmin[UserType]):
    change_password_form = AuditedPasswordChangeForm

    def save_model(
        self, request: HttpRequest, obj: UserType, form: ModelForm[UserType], change: bool
    ) -> None:
        with transaction.atomic():
            before: dict[str, Any] | None = None
            if change:
                old = User.objects.filter(pk=obj.pk).first()
                before = _user_fields(old) if old is not None else None
            super().save_model(request, obj, form, change)
            after = _user_fields(obj)
            if before is not None:
                changed = [k for k in after if before.get(k) != after[k]]
                if not changed:
                    return
                before = {k: before[k] for k in changed}
                after = {k: after[k] for k in changed}
            _audit_user("update" if change else "create", obj, before=before, after=after)

    def save_related(
        self,
        request: HttpRequest,
        form: ModelForm[UserType],
        formsets: list[BaseInlineFormSet[Any, UserType, Any]],
        change: bool,
    ) -> None:
        with transaction.atomic():
            user = form.instance
            old_perms = set(user.user_permissions.values_list("codename", flat=True))
            old_groups = set(user.groups.values_list("name", flat=True))
            super().save_related(request, form, formsets, change)
            perms = set(user.user_permissions.values_list("codename", flat=True))
            groups = set(user.groups.values_list("name", flat=True))
            if (perms, groups) != (old_perms, old_groups):
                _audit_user(
                    "update",
                    user,
                    before={"permissions": sorted(old_perms), "groups": sorted(old_groups)},
                    after={"permissions": sorted(perms), "groups": sorted(groups)},
                )

    def delete_model(self, request: HttpRequest, obj: UserType) -> None:
        with transaction.atomic():
            _audit_user("delete", obj, before=_user_fields(obj))
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[UserType]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(AccountState)
class AccountStateAdmin(admin.ModelAdmin[AccountState]):
    list_display = ["user", "home_code", "must_change_password"]
    readonly_fields = ["user", "home_code", "must_change_password"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin[Assignment]):
    list_display = ["user", "role", "node"]
    list_filter = ["role"]
    raw_id_fields = ["user", "node"]
    search_fields = ["user__username", "node__code", "node__name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assignment]:
        return super().get_queryset(request).select_related("user", "node")

    def has_change_permission(self, request: HttpRequest, obj: Assignment | None = None) -> bool:
        return False  # a role is granted or taken away, not edited: both are audited

    def save_model(
        self, request: HttpRequest, obj: Assignment, form: ModelForm[Assignment], change: bool
    ) -> None:
        saved = assignment_create(user=obj.user, node=obj.node, role=obj.role, by=request.user)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Assignment) -> None:
        assignment_delete(assignment=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Assignment]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens are issued by ``gridgov token create`` (the secret is shown once, never stored);
    here they are listed and revoked."""

    list_display = ["name", "user", "prefix", "created_at", "expires_at", "revoked_at"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "digest",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="吊销所选令牌")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            api_token_revoke(token=token)


@admin.register(SignInFailure)
class SignInFailureAdmin(admin.ModelAdmin[SignInFailure]):
    list_display = ["username", "ip", "at"]
    search_fields = ["username", "ip"]
    readonly_fields = ["username", "ip", "at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
