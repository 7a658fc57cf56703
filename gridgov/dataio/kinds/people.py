"""Import of households (户) and persons (人员).

The persons validator is written out by hand: it runs once per resident (millions of rows), so
it reads cells by position, checks the ID through the fast path, and encrypts and hashes with one
cipher object. Error values never show a full citizen ID or phone number (the report is a file
that travels): they are masked like everywhere else.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.core.crypto import cipher, mask_citizen_id, mask_phone
from gridgov.grid.bulk import LoadCounts, inner, table
from gridgov.grid.models import GridLevel, GridNode
from gridgov.people.bulk import households_load, persons_load
from gridgov.people.models import Household, Person, Relation

from ..errors import ErrorSink
from ..schemas import (
    DISABILITY,
    HOUSEHOLDS,
    LEFT_BEHIND,
    PERSONS,
    RELATIONS,
    RESIDENCE,
    SEX,
    SPECIAL_GROUPS,
)
from ..staging import duplicate_errors, sql_errors
from ..validation import (
    CellError,
    CitizenIdChecker,
    Layout,
    RowCipher,
    check_phone,
    parse_bool,
    parse_date,
    parse_int,
    sex_label,
)
from .base import Context, Kind, RowValidator
from .grid import repeated

MOVE_REASON = gettext_lazy("批量导入")


def parse_microgrid(raw: str) -> str:
    if not (raw.isascii() and raw.isdigit()) or len(raw) != 18:
        raise CellError(_("微网格代码应为18位数字"))
    return raw


class HouseholdsKind(Kind):
    schema = HOUSEHOLDS
    columns = [
        ("number", "text"),
        ("microgrid", "text"),
        ("address", "text"),
        ("lat", "real"),
        ("lng", "real"),
        ("is_dibao", "bool"),
        ("is_tekun", "bool"),
        ("is_tuopin", "bool"),
        ("monitoring_type", "text"),
        ("is_military_family", "bool"),
    ]
    lengths = {"number": 32, "address": 200}

    def validator(self, layout: Layout, today: dt.date) -> RowValidator:
        parse = self.dict_parser(layout, today, {"microgrid": parse_microgrid})

        def validate(rn: int, cells: list[str], errors: ErrorSink) -> tuple | None:
            v = parse(rn, cells, errors)
            if v is None:
                return None
            get = v.get
            return (
                rn,
                v["number"],
                v["microgrid"],
                get("address") or "",
                get("lat"),
                get("lng"),
                get("is_dibao") or 0,
                get("is_tekun") or 0,
                get("is_tuopin") or 0,
                get("monitoring_type") or "",
                get("is_military_family") or 0,
            )

        return validate

    def check(self, ctx: Context) -> None:
        st = ctx.stage
        duplicate_errors(
            ctx.sink(), st, ["number"], column=ctx.header("number"), value="number", reason=repeated
        )
        inside, params = ctx.scope.sql("n.code")
        sql_errors(
            ctx.sink(),
            f"SELECT s.rn, s.microgrid FROM {st.table} s LEFT JOIN {table(GridNode)} n "
            f"ON n.code = s.microgrid AND n.level = '{GridLevel.MICROGRID.value}' AND {inside} "
            "WHERE n.id IS NULL",
            params,
            column=ctx.header("microgrid"),
            reason=lambda code: ctx.scope.unknown(_("微网格代码"), code),
        )
        if ctx.scope.restricted:
            inside, params = ctx.scope.sql("h.grid_path")
            sql_errors(
                ctx.sink(),
                f"SELECT s.rn, s.number FROM {st.table} s {inner()} {table(Household)} h "
                f"ON h.number = s.number WHERE NOT {inside}",
                params,
                column=ctx.header("number"),
                reason=lambda n: _("户编号%(n)s已在您的管辖范围之外登记，不能在此导入") % {"n": n},
            )

    def load(self, ctx: Context) -> LoadCounts:
        return households_load(
            stage=ctx.stage.name,
            present=ctx.present,
            now=ctx.now,
            dry_run=ctx.dry_run,
            reason=str(MOVE_REASON),
        )


PERSON_COLUMNS = [
    ("id_hash", "text"),
    ("id_cipher", "bytes"),
    ("id_masked", "text"),
    ("name", "text"),
    ("sex", "text"),
    ("birth_date", "date"),
    ("household", "text"),
    ("relation", "text"),
    ("phone_cipher", "bytes"),
    ("phone_hash", "text"),
    ("phone_masked", "text"),
    ("residence_type", "text"),
    ("left_behind", "text"),
    ("lives_alone", "bool"),
    ("special_group", "text"),
    ("disability_category", "text"),
    ("disability_grade", "int"),
    ("serious_illness", "bool"),
    ("health_note", "text"),
    ("has_sensitive", "bool"),
]


class PersonsKind(Kind):
    schema = PERSONS
    columns = PERSON_COLUMNS

    def validator(self, layout: Layout, today: dt.date) -> RowValidator:
        pos = layout.positions.get
        width = layout.width
        header = {c.key: c.header for c in self.schema.columns}
        i_id, i_name, i_hh, i_rel = (
            pos("citizen_id"),
            pos("name"),
            pos("household"),
            pos("relation"),
        )
        i_sex, i_birth, i_phone = pos("sex"), pos("birth_date"), pos("phone")
        i_res, i_left, i_alone = pos("residence_type"), pos("left_behind"), pos("lives_alone")
        i_sg, i_dc, i_dg = pos("special_group"), pos("disability_category"), pos("disability_grade")
        i_si, i_hn = pos("serious_illness"), pos("health_note")
        check_id = CitizenIdChecker(today)
        data = RowCipher(cipher())
        encrypt, digest = data.encrypt, data.lookup_hash
        required = _("必填，不能为空")
        choices_reason = {
            key: _("应为以下之一：%(c)s") % {"c": "、".join(k for k in choices if k)}
            for key, choices in (
                ("relation", RELATIONS),
                ("sex", SEX),
                ("residence_type", RESIDENCE),
                ("left_behind", LEFT_BEHIND),
                ("special_group", SPECIAL_GROUPS),
                ("disability_category", DISABILITY),
            )
        }

        def validate(rn: int, cells: list[str], errors: ErrorSink) -> tuple | None:
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            ok = True
            number = birth = sex = ""
            raw = cells[i_id]
            if not raw:
                errors.add(rn, header["citizen_id"], "", required)
                ok = False
            else:
                try:
                    number, birth, sex = check_id(raw)
                except CellError as exc:
                    errors.add(rn, header["citizen_id"], mask_citizen_id(raw), str(exc))
                    ok = False
            name = cells[i_name]
            if not name:
                errors.add(rn, header["name"], "", required)
                ok = False
            elif len(name) > 50:
                errors.add(rn, header["name"], name, _("不能超过50个字"))
                ok = False
            household = cells[i_hh]
            if not household:
                errors.add(rn, header["household"], "", required)
                ok = False
            elif len(household) > 32:
                errors.add(rn, header["household"], household, _("不能超过32个字"))
                ok = False
            raw = cells[i_rel]
            relation = RELATIONS.get(raw)
            if relation is None:
                reason = choices_reason["relation"] if raw else required
                errors.add(rn, header["relation"], raw, reason)
                ok = False
            if i_sex is not None and (raw := cells[i_sex]):
                code = SEX.get(raw)
                if code is None:
                    errors.add(rn, header["sex"], raw, choices_reason["sex"])
                    ok = False
                elif sex and code != sex:
                    errors.add(
                        rn,
                        header["sex"],
                        raw,
                        _("性别与身份证号不符：身份证号第17位表示%(s)s") % {"s": sex_label(sex)},
                    )
                    ok = False
            if i_birth is not None and (raw := cells[i_birth]):
                try:
                    given = parse_date(raw)
                except CellError as exc:
                    errors.add(rn, header["birth_date"], raw, str(exc))
                    ok = False
                else:
                    if birth and given != birth:
                        errors.add(
                            rn,
                            header["birth_date"],
                            raw,
                            _("出生日期与身份证号不符：应为%(d)s") % {"d": birth},
                        )
                        ok = False
            phone = None
            if i_phone is not None and (raw := cells[i_phone]):
                try:
                    phone = check_phone(raw)
                except CellError as exc:
                    errors.add(rn, header["phone"], mask_phone(raw), str(exc))
                    ok = False
            residence = "registered"
            if i_res is not None and (raw := cells[i_res]):
                residence = RESIDENCE.get(raw)
                if residence is None:
                    errors.add(rn, header["residence_type"], raw, choices_reason["residence_type"])
                    ok = False
            left = ""
            if i_left is not None and (raw := cells[i_left]):
                left = LEFT_BEHIND.get(raw)
                if left is None:
                    errors.add(rn, header["left_behind"], raw, choices_reason["left_behind"])
                    ok = False
            alone = 0
            if i_alone is not None and (raw := cells[i_alone]):
                try:
                    alone = parse_bool(raw)
                except CellError as exc:
                    errors.add(rn, header["lives_alone"], raw, str(exc))
                    ok = False
            # Sensitive values (PIPL Art. 28): kept apart, in PersonSensitive.
            group = category = note = ""
            grade = None
            illness = 0
            if i_sg is not None and (raw := cells[i_sg]):
                group = SPECIAL_GROUPS.get(raw)
                if group is None:
                    errors.add(rn, header["special_group"], raw, choices_reason["special_group"])
                    ok = False
            if i_dc is not None and (raw := cells[i_dc]):
                category = DISABILITY.get(raw)
                if category is None:
                    errors.add(
                        rn,
                        header["disability_category"],
                        raw,
                        choices_reason["disability_category"],
                    )
                    ok = False
            if i_dg is not None and (raw := cells[i_dg]):
                try:
                    grade = parse_int(raw, 1, 4)
                except CellError as exc:
                    errors.add(rn, header["disability_grade"], raw, str(exc))
                    ok = False
                else:
                    if not category and not (i_dc is not None and cells[i_dc]):
                        errors.add(
                            rn, header["disability_grade"], raw, _("填写残疾等级时须填写残疾类别")
                        )
                        ok = False
            if i_si is not None and (raw := cells[i_si]):
                try:
                    illness = parse_bool(raw)
                except CellError as exc:
                    errors.add(rn, header["serious_illness"], raw, str(exc))
                    ok = False
            if i_hn is not None and (raw := cells[i_hn]):
                if len(raw) > 200:
                    errors.add(rn, header["health_note"], raw[:20] + "…", _("不能超过200个字"))
                    ok = False
                note = raw
            if not ok:
                return None
            if phone:
                phone_fields = (encrypt(phone), digest(phone), mask_phone(phone))
            else:
                phone_fields = (None, "", "")
            return (
                rn,
                digest(number),
                encrypt(number),
                number[:6] + "********" + number[14:],  # mask_citizen_id, inlined
                name,
                sex,
                birth,
                household,
                relation,
                *phone_fields,
                residence,
                left,
                alone,
                group,
                category,
                grade,
                illness,
                note,
                1 if (group or category or grade or illness or note) else 0,
            )

        return validate

    def check(self, ctx: Context) -> None:
        st, pp, hh = ctx.stage, table(Person), table(Household)
        id_header = ctx.header("citizen_id")
        duplicate_errors(
            ctx.sink(), st, ["id_hash"], column=id_header, value="id_masked", reason=repeated
        )
        inside, params = ctx.scope.sql("h.grid_path")
        sql_errors(
            ctx.sink(),
            f"SELECT s.rn, s.household FROM {st.table} s LEFT JOIN {hh} h "
            f"ON h.number = s.household AND {inside} WHERE h.id IS NULL",
            params,
            column=ctx.header("household"),
            reason=lambda number: ctx.scope.unknown(_("户编号"), number),
        )
        if ctx.scope.restricted:
            sql_errors(
                ctx.sink(),
                f"SELECT s.rn, s.id_masked FROM {st.table} s {inner()} {pp} p "
                f"ON p.id_hash = s.id_hash WHERE NOT {ctx.scope.sql('p.grid_path')[0]}",
                ctx.scope.sql("p.grid_path")[1],
                column=id_header,
                reason=_("此身份证号已在您的管辖范围之外登记：迁入须由上级办理"),
            )
        head = Relation.HEAD.value
        sql_errors(
            ctx.sink(),
            f"SELECT s.rn, s.household, d.first FROM {st.table} s {inner()} "
            f"(SELECT household, MIN(rn) AS first FROM {st.table} WHERE relation = '{head}' "
            f"GROUP BY household HAVING COUNT(*) > 1) d ON d.household = s.household "
            f"WHERE s.relation = '{head}' AND s.rn > d.first",
            column=ctx.header("relation"),
            reason=lambda number, first: (
                _("户%(h)s已有户主（第%(r)d行）：一户只能有一个户主") % {"h": number, "r": first}
            ),
        )
        # A head already stored for the household, who stays head after this file.
        others = (
            f"FROM {st.table} s {inner()} {hh} h ON h.number = s.household {inner()} {pp} p "
            f"ON p.household_id = h.id AND p.relation = '{head}' AND p.id_hash <> s.id_hash "
            f"WHERE s.relation = '{head}'"
        )
        if _exists(f"SELECT 1 {others}"):
            st.index("id_hash")
            sql_errors(
                ctx.sink(),
                f"SELECT s.rn, s.household, p.name {others} AND NOT EXISTS (SELECT 1 FROM "
                f"{st.table} x WHERE x.id_hash = p.id_hash AND (x.relation <> '{head}' "
                "OR x.household <> s.household))",
                column=ctx.header("relation"),
                reason=lambda number, name: (
                    _("户%(h)s已有户主%(n)s：一户只能有一个户主") % {"h": number, "n": name}
                ),
            )

    def load(self, ctx: Context) -> LoadCounts:
        return persons_load(
            stage=ctx.stage.name,
            present=ctx.present,
            now=ctx.now,
            dry_run=ctx.dry_run,
            reason=str(MOVE_REASON),
        )


def _exists(sql: str) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS ({sql})")
        return bool(cursor.fetchone()[0])
