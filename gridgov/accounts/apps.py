from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "gridgov.accounts"
    label = "accounts"
    verbose_name = _("账户与权限")

    def ready(self) -> None:
        from gridgov.core.scoping import register_scope_provider

        from .scope import user_scope_paths

        register_scope_provider(user_scope_paths)
