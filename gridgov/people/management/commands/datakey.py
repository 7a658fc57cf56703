"""``gridgov datakey status|rotate``: which data keys the registry is encrypted under, and moving
every row to the current key (see ``gridgov.people.rekey`` for the procedure)."""

from django.core.management.base import BaseCommand

from gridgov.core.context import Source, actor_context
from gridgov.core.crypto import cipher, previous_ciphers
from gridgov.people.rekey import key_ids_in_use, person_data_rekey


class Command(BaseCommand):
    help = (
        "数据密钥：status 查看各密钥下的记录数；rotate 把全部记录改用当前密钥（GRIDGOV_DATA_KEY）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "rotate"])

    def handle(self, *args, action, **options):
        current = cipher().key_id
        previous = {c.key_id for c in previous_ciphers()}
        if action == "rotate":
            with actor_context(source=Source.CLI):
                result = person_data_rekey(progress=self._progress)
            self.stdout.write("")
            self.stdout.write(
                self.style.SUCCESS(
                    f"已核对 {result.checked} 人，改用当前密钥 {result.rotated} 人。"
                    "确认无误后可移除 GRIDGOV_DATA_KEY_PREVIOUS。"
                )
            )
        for key_id, count in key_ids_in_use().items():
            label = (
                "当前密钥"
                if key_id == current
                else "旧密钥（GRIDGOV_DATA_KEY_PREVIOUS）"
                if key_id in previous
                else "未知密钥：无法解密，请把该密钥加入 GRIDGOV_DATA_KEY_PREVIOUS"
            )
            self.stdout.write(f"密钥编号 {key_id:3d}：{count} 人（{label}）")

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f"\r  {done}/{total}", ending="")
        self.stdout.flush()
