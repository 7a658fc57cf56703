"""``gridgov open311``: the Open311 interface from the command line.

gridgov open311 keys create NAME            # prints the secret once
gridgov open311 keys list [--all]
gridgov open311 keys revoke NAME_OR_PREFIX
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gridgov.core.context import Source, actor_context
from gridgov.open311.models import ApiKey
from gridgov.open311.services import api_key_create, api_key_revoke


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "Open311 接口：keys create 签发密钥（只显示一次）、keys list 列出、keys revoke 吊销。"

    def add_arguments(self, parser):
        groups = parser.add_subparsers(dest="group", required=True)
        keys = groups.add_parser("keys", help="接口密钥")
        sub = keys.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="签发密钥，密钥只显示这一次")
        create.add_argument("name", help="使用密钥的系统的名称，如“12345热线”")
        listing = sub.add_parser("list", help="列出有效密钥")
        listing.add_argument(
            "--all", dest="include_revoked", action="store_true", help="连同已吊销的密钥"
        )
        revoke = sub.add_parser("revoke", help="吊销密钥")
        revoke.add_argument("name_or_prefix", help="密钥名称，或 list 中显示的8个字符的前缀")

    def handle(self, *args, group, action, **options):
        with actor_context(source=Source.CLI):
            getattr(self, f"_{group}_{action}")(**options)

    def _keys_create(self, *, name: str, **_options) -> None:
        try:
            key, secret = api_key_create(name=name)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        self.stdout.write(secret)
        self.stderr.write(f"密钥 {key.name}（{key.prefix}…）已签发；以上密钥只显示这一次。")

    def _keys_list(self, *, include_revoked: bool = False, **_options) -> None:
        keys = ApiKey.objects.order_by("-created_at", "-pk")
        if not include_revoked:
            keys = keys.filter(revoked_at__isnull=True)
        for key in keys:
            state = "有效" if key.is_active else f"已吊销 {_when(key.revoked_at)}"
            self.stdout.write(
                f"{key.prefix}  {key.name}  创建 {_when(key.created_at)}"
                f"  最近使用 {_when(key.last_used_at)}  {state}"
            )

    def _keys_revoke(self, *, name_or_prefix: str, **_options) -> None:
        wanted = name_or_prefix.strip()
        active = ApiKey.objects.filter(revoked_at__isnull=True)
        keys = list(active.filter(name=wanted)) or list(active.filter(prefix=wanted))
        if not keys:
            if (
                ApiKey.objects.filter(name=wanted).exists()
                or ApiKey.objects.filter(prefix=wanted).exists()
            ):
                raise CommandError(f"密钥 {wanted} 已吊销")
            raise CommandError(f"没有名称或前缀为 {wanted} 的密钥（gridgov open311 keys list）")
        if len(keys) > 1:
            raise CommandError(f"前缀 {wanted} 对应 {len(keys)} 个有效密钥，请用名称吊销")
        api_key_revoke(key=keys[0])
        self.stdout.write(f"已吊销 {keys[0].name}（{keys[0].prefix}…）")
