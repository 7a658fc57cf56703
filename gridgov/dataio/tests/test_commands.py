"""``gridgov import`` and ``gridgov export`` on the command line."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridgov.core.models import AuditEntry
from gridgov.dataio.schemas import SCHEMAS
from gridgov.people.models import Household

from .conftest import ids, person_row

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_template_import_dry_run_and_summary(tree, tmp_path):
    template = tmp_path / "户.csv"
    run("import", "households", "--template", str(template))
    mg = tree.microgrid.code
    with template.open("a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([[f"{mg}0001", mg, "东街"], [f"{mg}0002", mg, ""]])
    out, err = run("import", "households", str(template), "--dry-run")
    assert "检查通过（未保存）" in out and "新增 2" in out
    assert "已读 2 行" in err and "行/秒" in err
    assert not Household.objects.exists()
    out, _err = run("import", "households", str(template))
    assert "导入完成" in out and Household.objects.count() == 2
    assert AuditEntry.objects.filter(action="import", object_type="dataio.households").count() == 1


@pytest.mark.parametrize("report_name", ["错误.xlsx", "错误.csv", None])
def test_errors_fail_the_command_and_write_the_report(households, files, tmp_path, report_name):
    path = files.csv("persons", [person_row("440605198001010000", households[0].number)])
    args = ["import", "persons", str(path)]
    if report_name:
        args += ["--report", str(tmp_path / report_name)]
    with pytest.raises(CommandError, match="共 1 处错误，没有保存任何数据"):
        run(*args)
    report = tmp_path / report_name if report_name else path.with_name(f"{path.stem}-错误报告.xlsx")
    assert report.exists()
    if report.suffix == ".csv":
        rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    else:
        import openpyxl

        sheet = openpyxl.load_workbook(report).worksheets[0]
        rows = [[str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["行号", "列", "值", "原因"]
    assert rows[1][:2] == ["2", "身份证号"] and "校验位" in rows[1][3]
    assert "440605198001010000" not in repr(rows)


def test_export_command_masks_and_filters_by_under(households, files, tmp_path, tree):
    numbers = ids(2)
    rows = [
        person_row(numbers[0], households[0].number),
        person_row(numbers[1], households[2].number),
    ]
    assert run("import", "persons", str(files.csv("persons", rows)))
    target = tmp_path / "人员.csv"
    out, _err = run("export", "persons", str(target), "--under", tree.village.code)
    assert "已导出人员 1 行" in out
    lines = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert lines[1][0] == "身份证号" and len(lines) == 3
    assert numbers[0] not in target.read_text(encoding="utf-8-sig")
    assert lines[2][0].startswith(numbers[0][:6]) and "*" in lines[2][0]
    assert AuditEntry.objects.filter(action="export").latest("id").after["rows"] == 1
    target = tmp_path / "网格.xlsx"
    run("export", "grid", str(target))
    assert target.stat().st_size > 0
    with pytest.raises(CommandError):
        run("export", "grid", str(tmp_path / "网格.pdf"))


def test_all_kinds_have_templates_from_the_command(tmp_path):
    for kind in SCHEMAS:
        run("import", kind, "--template", str(tmp_path / f"{kind}.xlsx"))
        assert (tmp_path / f"{kind}.xlsx").stat().st_size > 3000
