from django.utils import translation

from gridgov.cases.models import Matter
from gridgov.core.choices import choice_label


def test_the_label_is_djangos_in_the_active_language_and_unknown_codes_stay():
    matter = Matter(status="settled", channel="nonesuch")
    assert choice_label(matter, "status") == matter.get_status_display() == "已办结"
    assert choice_label(matter, "channel") == matter.get_channel_display() == "nonesuch"
    with translation.override("en"):
        assert choice_label(matter, "status") == matter.get_status_display() != "已办结"
