"""Refusals that do not tell whether something exists outside the user's scope.

A unique key (a citizen ID, a household number, an organization code, a username) is global: a
village cadre who creates a person whose citizen ID is registered in another village must be
refused. If the refusal said "already registered", every create form would be an oracle that
answers "does this citizen ID live somewhere in the county?" for anyone who may create a person
anywhere. So a duplicate the user cannot see is refused with ``NOT_HERE``: the record cannot be
created here, ask the town or county administrator (who can see it and move it). A duplicate the
user can see gets the helpful message, since it tells them nothing new.

Every channel (pages, API, import, user management) uses the same words, so the message is also
identical whichever key and whichever kind of record was refused.

User management (accounts) refuses an existing username the same way::

    from gridgov.core.oracle import refuse_taken

    holder = User.objects.filter(username__iexact=name).first()
    if holder is not None:
        refuse_taken(field="username", visible=admin_may_see(holder),
                     seen=_("用户名%(u)s已被使用") % {"u": name})

where ``admin_may_see`` answers from the acting administrator's scope (the holder has an
assignment inside it). The same goes for granting a role to a username: a username that is
not a user the administrator can see gets the answer an unknown username gets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .context import current_actor
from .scoping import in_scope, scope_paths

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

NOT_HERE = _("无法在此登记：如需办理，请联系镇（街道）或县级管理员核实。")


def refuse_taken(*, field: str, visible: bool, seen: str = "") -> NoReturn:
    """Refuse a key that is already taken: ``seen`` when the user can see the holder, else the
    neutral ``NOT_HERE`` (the same words whoever holds it, wherever)."""
    raise ValidationError({field: seen if visible and seen else NOT_HERE})


def acting_user(user: Any = None) -> Any:
    """The given user, else the actor of the current request or command (None: the system)."""
    return user if user is not None else current_actor().user


def may_see_path(user: User | AnonymousUser | None, path: str, action: str = "view") -> bool:
    """Whether ``user`` may see a row at grid ``path``; the system (no user) sees everything.

    The scope is asked for whatever the path, so that seeing and not seeing take the same
    queries (no timing difference between the two refusals)."""
    if user is None:
        return True
    return in_scope(path, scope_paths(user, action))
