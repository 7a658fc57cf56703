"""``gridgov firstadmin``: the first county administrator of a new deployment, from the command
line (no one can sign in yet to create them in the browser).

    gridgov firstadmin --county 440605 --username zhangsan --full-name 张三

The county's grid node is created when missing (name from GB/T 2260 unless ``--county-name``).
The password is asked twice, or read from standard input with ``--password-stdin``. The user
holds the 县级管理员 role at the county and manages users and roles on gridgov's own pages
(/users/) and API, inside the county. They are not staff and hold no Django permission: only a
superuser enters /admin/, and ``--superuser`` (run on the server) makes one.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from gridgov.accounts.models import Assignment
from gridgov.accounts.roles import Role
from gridgov.accounts.services import user_create
from gridgov.core.context import Source, actor_context
from gridgov.core.identity import IdentifierError, county_name, validate_county_code
from gridgov.grid.models import GridNode
from gridgov.grid.services import grid_node_create


class Command(BaseCommand):
    help = "创建第一个县级管理员（首次部署时使用）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, help="县级区划代码（6位，GB/T 2260）")
        parser.add_argument("--username", required=True)
        parser.add_argument("--full-name", default="")
        parser.add_argument(
            "--county-name", dest="node_name", default="", help="县级网格的名称（默认取区划名称）"
        )
        parser.add_argument("--password-stdin", action="store_true", help="从标准输入读密码")
        parser.add_argument(
            "--force", action="store_true", help="已有县级管理员时仍然创建（另一个县）"
        )
        parser.add_argument(
            "--superuser",
            action="store_true",
            help="同时设为超级管理员（可进入 /admin/ 系统后台，可见全部数据；慎用）",
        )

    def handle(
        self,
        *args: Any,
        county: str,
        username: str,
        full_name: str,
        node_name: str,
        **options: Any,
    ) -> None:
        try:
            code = validate_county_code(county)
        except IdentifierError as exc:
            raise CommandError(str(exc)) from None
        if Assignment.objects.filter(role=Role.COUNTY_ADMIN).exists() and not options["force"]:
            raise CommandError(
                "已有县级管理员：请用其账号登录后在“用户”页面（/users/）添加用户；确为另一个县时加 --force"
            )
        password = _password(options["password_stdin"])
        try:
            with actor_context(source=Source.CLI), transaction.atomic():
                node = GridNode.objects.filter(code=code).first()
                if node is None:
                    node = grid_node_create(
                        code=code, name=node_name or county_name(code) or code, by=None
                    )
                user_create(
                    username=username,
                    password=password,
                    full_name=full_name,
                    node=node,
                    role=Role.COUNTY_ADMIN,
                    is_superuser=options["superuser"],
                )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已创建县级管理员 {username}：{node.name}（{node.code}）"
                + ("；并为超级管理员（可进入 /admin/）" if options["superuser"] else "")
            )
        )


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码：")
    if first != getpass.getpass("再输入一次："):
        raise CommandError("两次输入的密码不一致")
    return first
