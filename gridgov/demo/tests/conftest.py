import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _chinese():
    """Commands answer in Chinese (the default language) whatever another test activated."""
    with translation.override("zh-hans"):
        yield
