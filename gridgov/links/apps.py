from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinksConfig(AppConfig):
    name = "gridgov.links"
    label = "links"
    verbose_name = _("党员联户")

    def ready(self) -> None:
        # The household page shows its linker; people may not import links, so links adds it.
        from gridgov.people.views import HOUSEHOLD_PAGE_PARTS

        from .selectors import household_page_part

        if household_page_part not in HOUSEHOLD_PAGE_PARTS:
            HOUSEHOLD_PAGE_PARTS.append(household_page_part)

        # Registered here so that the apps below (people, cases) never import links.
        from gridgov.cases.tick import TICK_STEPS
        from gridgov.people.services import HOUSEHOLD_CHANGE_HOOKS

        from .tasks import links_tick_step
        from .visits import household_changed

        if household_changed not in HOUSEHOLD_CHANGE_HOOKS:
            HOUSEHOLD_CHANGE_HOOKS.append(household_changed)
        if links_tick_step not in TICK_STEPS:
            TICK_STEPS.append(links_tick_step)
