"""``gridgov token``: personal API tokens (接口令牌).

gridgov token create USERNAME NAME [--days 90]   # prints the secret once
gridgov token list USERNAME
gridgov token revoke PREFIX
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.accounts.models import ApiToken
from gridgov.accounts.services import api_token_create, api_token_revoke
from gridgov.core.context import Source, actor_context


class Command(BaseCommand):
    help = "接口令牌：create 签发（密钥只显示一次）、list 列出、revoke 吊销。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("name")
        create.add_argument("--days", type=int, default=90)
        listing = sub.add_parser("list")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("prefix", help="令牌前缀（list 中显示的8个字符）")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        with actor_context(source=Source.CLI):
            getattr(self, f"_{action}")(**options)

    def _user(self, username: str) -> User:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户 {username}")
        return user

    def _create(self, *, username: str, name: str, days: int, **_options: Any) -> None:
        try:
            token, secret = api_token_create(user=self._user(username), name=name, days=days)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        self.stdout.write(secret)
        self.stderr.write(
            f"令牌 {token.prefix}… 有效至 {token.expires_at:%Y-%m-%d}；以上密钥只显示这一次。"
        )

    def _list(self, *, username: str, **_options: Any) -> None:
        for token in ApiToken.objects.filter(user=self._user(username)).order_by("-created_at"):
            state = "有效" if token.is_active else ("已吊销" if token.revoked_at else "已过期")
            self.stdout.write(f"{token.prefix}  {token.name}  {token.expires_at:%Y-%m-%d}  {state}")

    def _revoke(self, *, prefix: str, **_options: Any) -> None:
        tokens = list(ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True))
        if len(tokens) != 1:
            raise CommandError(f"前缀 {prefix} 对应 {len(tokens)} 个有效令牌")
        api_token_revoke(token=tokens[0])
        self.stdout.write(f"已吊销 {prefix}")
