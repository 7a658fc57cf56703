"""Validation of grid codes against their level and parent."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from gridgov.core.identity import IdentifierError, validate_county_code

from .models import CODE_LENGTH, LEVEL_BY_LENGTH, GridLevel


def level_of_code(code: str) -> str:
    level = LEVEL_BY_LENGTH.get(len(code))
    if level is None or not code.isdigit():
        raise IdentifierError(
            _("网格代码%(c)s应为6、9、12、15或18位数字（县、镇、村、组、微网格）") % {"c": code}
        )
    return level


def validate_node_code(code: str, level: str, parent_code: str | None) -> str:
    """Check a code's length for its level, its prefix for its parent, and a county's existence."""
    code = code.strip()
    expected = CODE_LENGTH[GridLevel(level)]
    if not re.fullmatch(r"\d+", code) or len(code) != expected:
        raise IdentifierError(
            _("%(level)s代码应为%(n)d位数字：%(c)s")
            % {"level": GridLevel(level).label, "n": expected, "c": code}
        )
    if level == GridLevel.COUNTY:
        return validate_county_code(code)
    if parent_code is None or not code.startswith(parent_code):
        raise IdentifierError(
            _("代码%(c)s不在上级%(p)s之下（应以上级代码开头）") % {"c": code, "p": parent_code}
        )
    if code[len(parent_code) :] == "000":
        raise IdentifierError(_("代码%(c)s的本级部分不能为000") % {"c": code})
    return code
