"""Admin pages of roles and tokens. A user who manages users (the ``manage_users`` action, e.g.
a county administrator) sees and grants roles only inside the subtrees where they hold it, as in
Wagtail, where permissions granted at a node flow down; superusers see everything."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from gridgov.core.context import Source, actor_context
from gridgov.core.scoping import scope_paths, subtree_q

from .models import ApiToken, Assignment, SignInFailure
from .roles import Action
from .services import api_token_revoke, assignment_create, assignment_delete


def _managed(request, field: str) -> Q | None:
    """Rows whose grid code (``field``) lies where the user manages users; None = all."""
    paths = scope_paths(request.user, Action.MANAGE_USERS)
    if paths is None:
        return None
    q = Q(pk__in=[])
    for path in paths:
        q |= subtree_q(field, path)
    return q


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "node"]
    list_filter = ["role"]
    raw_id_fields = ["user"]
    search_fields = ["user__username", "node__code", "node__name"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("user", "node")
        where = _managed(request, "node__code")
        return qs if where is None else qs.filter(where)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "node":
            nodes = db_field.remote_field.model.objects.restrict(request.user, Action.MANAGE_USERS)
            kwargs["queryset"] = nodes.order_by("code")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False  # a role is granted or taken away, not edited: both are audited

    def save_model(self, request, obj, form, change):
        where = _managed(request, "code")
        node_model = type(obj.node)
        if where is not None and not node_model.objects.filter(where, pk=obj.node_id).exists():
            raise PermissionDenied
        with actor_context(user=request.user, source=Source.WEB):
            saved = assignment_create(user=obj.user, node=obj.node, role=obj.role)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        with actor_context(user=request.user, source=Source.WEB):
            assignment_delete(assignment=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    @admin.action(description="吊销所选令牌")
    def revoke(self, request, queryset):
        with actor_context(user=request.user, source=Source.WEB):
            for token in queryset:
                api_token_revoke(token=token)


@admin.register(SignInFailure)
class SignInFailureAdmin(admin.ModelAdmin):
    list_display = ["username", "ip", "at"]
    search_fields = ["username", "ip"]
    readonly_fields = ["username", "ip", "at"]

    def has_add_permission(self, request):
        return False
