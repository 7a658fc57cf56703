from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "gridgov.orgs"
    label = "orgs"
    verbose_name = _("组织")

    def ready(self) -> None:
        # The person page (people) shows a person's party and body roles; people may not import
        # orgs, so orgs adds its part there.
        from gridgov.people.views import PERSON_PAGE_PARTS

        from .selectors import person_page_part

        if person_page_part not in PERSON_PAGE_PARTS:
            PERSON_PAGE_PARTS.append(person_page_part)
