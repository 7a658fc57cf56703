"""core.text.plain_text: the one rule for free text on every channel (markup kept as typed, to
be escaped on output; control characters and over-long text refused). The channels themselves
are tested in api/tests/test_text_everywhere.py and open311/tests/test_errors.py."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gridgov.core.text import plain_text

TEXTS = ["a < b", "1<2 且 3>2", "<3 谢谢", "x<y>z", "<script>alert(1)</script>", "&amp; &lt;"]


@pytest.mark.parametrize("text", TEXTS)
def test_plain_text_keeps_markup_as_typed(text):
    assert plain_text(f"  {text} ", field="f", max_chars=100) == text


@pytest.mark.parametrize(
    ("value", "reason"),
    [("a\x07b", "控制字符"), ("a\x00b", "控制字符"), ("  ", "不能为空"), ("字" * 11, "最长10字")],
)
def test_plain_text_refuses_what_no_text_needs(value, reason):
    with pytest.raises(ValidationError) as caught:
        plain_text(value, field="f", max_chars=10)
    assert reason in caught.value.message_dict["f"][0]
