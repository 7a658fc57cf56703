"""Pages of users and roles (用户与角色), for roles that manage users, one's own password, and the
role → action table (/roles/, for everyone signed in).

Thin: reads through ``accounts.selectors``, changes through ``accounts.services`` with the
signed-in user as the acting user. A user the manager may not manage answers 404, whether they
exist elsewhere or not. A temporary password is shown once, on a page that is not cached.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gridgov.core.pages import page_view
from gridgov.core.permissions import registered_actions
from gridgov.grid.models import GridNode

from . import services
from .authority import grant_choices, may_manage_anywhere
from .forms import AssignmentForm, OwnPasswordForm, UserCreateForm, UserFilterForm
from .models import Assignment
from .passwords import SESSION_KEY
from .roles import ROLE_ACTIONS, ROLE_NOTES, Role
from .scope import user_assignments
from .selectors import managed_assignment, managed_node, user_detail, user_list

PER_PAGE = 50
User = get_user_model()


def _manager(request: HttpRequest) -> Any:
    """The signed-in user if they manage users somewhere; otherwise the page does not exist."""
    if not may_manage_anywhere(request.user):
        raise Http404
    return request.user


def _target(request: HttpRequest, pk: int) -> Any:
    try:
        return user_detail(_manager(request), pk)
    except User.DoesNotExist:
        raise Http404 from None


def _form_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _node_error(form: Any) -> None:
    form.add_error("node", _("网格不存在，或不在您可管理的范围内"))


@login_required
def users(request: HttpRequest) -> HttpResponse:
    manager = _manager(request)
    form = UserFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    queryset = user_list(
        manager,
        q=data.get("q", ""),
        role=data.get("role", ""),
        node=data.get("node", ""),
        status=data.get("status", ""),
    )
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/users.html", {"form": form, "page": page, "nav": "users"})


@login_required
@never_cache
def user_new(request: HttpRequest) -> HttpResponse:
    manager = _manager(request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        password = services.temporary_password()
        try:
            node = managed_node(manager, data["node"])
            user = services.user_create(
                by=manager,
                username=data["username"],
                password=password,
                full_name=data["full_name"],
                node=node,
                role=data["role"],
            )
        except GridNode.DoesNotExist:
            _node_error(form)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return render(
                request,
                "accounts/password_shown.html",
                {"target": user, "password": password, "created": True, "nav": "users"},
            )
    return render(request, "accounts/user_new.html", {"form": form, "nav": "users"})


@login_required
def user_view(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    return _detail(request, target, AssignmentForm())


def _detail(
    request: HttpRequest, target: Any, grant_form: AssignmentForm, status: int = 200
) -> HttpResponse:
    manager = request.user
    # Nobody manages their own account here (the services refuse it): no controls on one's own
    # page, only the way to one's own password.
    own = target.pk == manager.pk
    rows = [
        (a, not own and a.role in grant_choices(manager, a.node_code))
        for a in target.assignments.all()
    ]
    return render(
        request,
        "accounts/user.html",
        {
            "target": target,
            "own": own,
            "assignments": rows,
            "grant_form": grant_form,
            "roles": Role,
            "nav": "users",
        },
        status=status,
    )


@login_required
@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.user_deactivate, _("已停用账号，其登录和接口令牌立即失效"))


@login_required
@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.user_reactivate, _("已恢复账号"))


def _act(request: HttpRequest, pk: int, service: Any, done: str) -> HttpResponse:
    target = _target(request, pk)
    try:
        service(by=request.user, user=target)
    except User.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("accounts:user", pk=target.pk)


@login_required
@require_POST
@never_cache
def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    try:
        password = services.user_password_reset(by=request.user, user=target)
    except User.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:user", pk=target.pk)
    return render(
        request,
        "accounts/password_shown.html",
        {"target": target, "password": password, "created": False, "nav": "users"},
    )


@login_required
@require_POST
def assignment_new(request: HttpRequest, pk: int) -> HttpResponse:
    target = _target(request, pk)
    form = AssignmentForm(request.POST)
    if form.is_valid():
        try:
            node = managed_node(request.user, form.cleaned_data["node"])
            services.assignment_create(
                by=request.user, user=target, node=node, role=form.cleaned_data["role"]
            )
        except GridNode.DoesNotExist:
            _node_error(form)
        except User.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已授予角色"))
            return redirect("accounts:user", pk=target.pk)
    return _detail(request, target, form, status=400)


@login_required
@require_POST
def assignment_revoke(request: HttpRequest, pk: int, assignment_id: int) -> HttpResponse:
    target = _target(request, pk)
    try:
        assignment = managed_assignment(request.user, target, assignment_id)
        services.assignment_delete(by=request.user, assignment=assignment)
    except (Assignment.DoesNotExist, User.DoesNotExist):
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已收回角色"))
    return redirect("accounts:user", pk=target.pk)


@login_required
@never_cache
def password_change(request: HttpRequest) -> HttpResponse:
    """Any signed-in user's own password; the only page open to one who must change it."""
    form = OwnPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            # Signed in (login_required): request.user is a User, not AnonymousUser.
            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
            request.session.pop(SESSION_KEY, None)
            messages.success(request, _("密码已修改"))
            return redirect("web:home")
    must = bool(request.session.get(SESSION_KEY))
    return render(request, "accounts/password_change.html", {"form": form, "must": must, "nav": ""})


@page_view
def roles(request: HttpRequest) -> HttpResponse:
    """The role → action table that decides every permission (every app's permissions.py),
    and the user's own roles."""
    actions = registered_actions()
    table = [
        (role, ROLE_NOTES[role], [spec.key in ROLE_ACTIONS[role] for spec in actions])
        for role in Role
    ]
    return render(
        request,
        "accounts/roles.html",
        {
            "actions": actions,
            "table": table,
            "mine": [(code, Role(role).label) for code, role in user_assignments(request.user)],
            "nav": "roles",
        },
    )
