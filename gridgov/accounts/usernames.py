"""What a username may be, and the one way a typed username is normalized.

Django NFKC-normalizes a username when it saves the user, so a uniqueness check made on the raw
text let "Ａdmin" (full-width) become "Admin" beside "admin". Everything that compares usernames
(creation, sign-in, lockout counting) goes through ``normalize_username`` first.

New usernames are limited to ASCII letters, digits and ``_ . - @`` (after NFKC): look-alikes such
as "ADMİN" (dotted capital I) or "admın" (dotless i) would otherwise pass a case-insensitive
check and impersonate an administrator in the audit log and on every page.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

USERNAME_ALLOWED = re.compile(r"[A-Za-z0-9_.@-]+")
USERNAME_MAX_LENGTH = 150  # Django's User.username


def normalize_username(raw: str | None) -> str:
    """NFKC (full-width letters become ASCII, as Django does on save), surrounding space removed."""
    return unicodedata.normalize("NFKC", raw or "").strip()


def validate_new_username(username: str) -> None:
    """A new username (already normalized): ASCII letters, digits and ``_ . - @`` only."""
    if not username:
        raise ValidationError({"username": _("请填写账号名")})
    if len(username) > USERNAME_MAX_LENGTH:
        raise ValidationError({"username": _("账号名最多%(n)d个字符") % {"n": USERNAME_MAX_LENGTH}})
    if not USERNAME_ALLOWED.fullmatch(username):
        raise ValidationError({"username": _("账号名只能使用英文字母、数字和 _ . - @")})
