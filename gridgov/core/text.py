"""Free text typed by people, on every channel: the one rule for ``<`` and markup.

Decision (docs/security.md, "Text and markup"): markup is **stored inert**, not refused. Text is
kept exactly as typed (``a < b``, ``<3``, ``x<y>z`` and ``<script>`` alike) and is escaped
wherever it is shown: Django templates autoescape (no safe filter, no ``mark_safe`` on user text),
the API answers JSON, Open311 escapes XML and writes ``<`` as ``\\u003c`` in JSON, the map draws
names as text nodes. A refusal could only guess what is markup: "a<b and c>d" looks like a tag,
and every guess refuses some resident's honest sentence.

What is refused is what no text needs and some storage cannot hold: control characters (NUL
cannot be stored in PostgreSQL text; the others break XML 1.0 and Excel), and text over its
length limit. Every channel that takes free text into a service calls ``plain_text``.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# C0 controls except tab, LF and CR, and DEL: no typed text holds them.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(value: str | None, *, field: str, max_chars: int, required: bool = True) -> str:
    """``value`` stripped, as typed (markup kept, to be escaped on output); ValidationError on
    ``field`` when it is empty but required, holds a control character or is too long."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("不能为空")})
    if CONTROL_CHARS.search(text):
        raise ValidationError({field: _("含有不可见的控制字符")})
    if len(text) > max_chars:
        raise ValidationError(
            {field: _("最长%(max)s字，现有%(n)s字") % {"max": max_chars, "n": len(text)}}
        )
    return text
