"""Import and export of households (户) and persons (人员): the people app's kinds of dataio.

The persons validator is written out by hand: it runs once per resident (millions of rows), so
it reads cells by position, checks the ID through the fast path, and encrypts and hashes with one
cipher object. Error values never show a full citizen ID or phone number (the report is a file
that travels): they are masked like everywhere else.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.core.bulkload import LoadCounts, inner, table
from gridgov.core.crypto import cipher, mask_citizen_id
from gridgov.core.oracle import NOT_HERE
from gridgov.dataio.columns import (
    Block,
    CitizenIdColumn,
    ColumnCipher,
    chosen,
    parsed,
    phones,
    text,
)
from gridgov.dataio.errors import ErrorSink
from gridgov.dataio.exports import ExportSpec, column_labels, person_id, person_phone, yes_no
from gridgov.dataio.kinds.base import ChunkValidator, Context, Kind, RowValidator, repeated
from gridgov.dataio.registry import register_kind
from gridgov.dataio.schemas import Column, Schema, choices_of
from gridgov.dataio.staging import duplicate_errors, sql_errors
from gridgov.dataio.validation import (
    CellError,
    Layout,
    parse_bool,
    parse_date,
    parse_float,
    parse_int,
    sex_label,
)
from gridgov.grid.models import GridLevel, GridNode

from .bulk import households_load, persons_load
from .models import (
    DisabilityCategory,
    Household,
    LeftBehind,
    MonitoringType,
    Person,
    Relation,
    ResidenceType,
    Sex,
    SpecialGroup,
)

MONITORING = choices_of(MonitoringType)
SEX = choices_of(Sex)
RELATIONS = choices_of(Relation)
RESIDENCE = choices_of(ResidenceType)
LEFT_BEHIND = choices_of(LeftBehind)
SPECIAL_GROUPS = choices_of(SpecialGroup)
DISABILITY = choices_of(DisabilityCategory)

HOUSEHOLDS = Schema(
    "households",
    "户",
    "number",
    (
        Column("户编号", "number", True),
        Column("微网格代码", "microgrid", True),
        Column("住址", "address"),
        Column("纬度", "lat", kind="float"),
        Column("经度", "lng", kind="float"),
        Column("低保户", "is_dibao", kind="bool"),
        Column("特困供养", "is_tekun", kind="bool"),
        Column("脱贫户", "is_tuopin", kind="bool"),
        Column("防返贫监测户", "monitoring_type", kind="choice", choices=MONITORING),
        Column("军烈属", "is_military_family", kind="bool"),
    ),
)
PERSONS = Schema(
    "persons",
    "人员",
    "citizen_id",
    (
        Column("身份证号", "citizen_id", True),
        Column("姓名", "name", True),
        Column("性别", "sex", kind="choice", choices=SEX, help="填写时须与身份证号一致"),
        Column("出生日期", "birth_date", kind="date", help="填写时须与身份证号一致"),
        Column("户编号", "household", True),
        Column("与户主关系", "relation", True, "choice", RELATIONS),
        Column("联系电话", "phone"),
        Column("人口类型", "residence_type", kind="choice", choices=RESIDENCE),
        Column("留守人员", "left_behind", kind="choice", choices=LEFT_BEHIND),
        Column("空巢独居", "lives_alone", kind="bool"),
        Column("特殊人群", "special_group", kind="choice", choices=SPECIAL_GROUPS),
        Column("残疾类别", "disability_category", kind="choice", choices=DISABILITY),
        Column("残疾等级", "disability_grade", kind="int", help="1至4级"),
        Column("大病重病", "serious_illness", kind="bool"),
        Column("健康状况", "health_note"),
    ),
)

MOVE_REASON = gettext_lazy("批量导入")


def _grade(raw: str) -> int:
    return parse_int(raw, 1, 4)


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
        return self.row_validator(layout, today)

    def chunk_validator(self, layout: Layout, today: dt.date) -> ChunkValidator:
        """Column by column (``gridgov.dataio.columns``): a district has a million households."""
        pos = layout.positions.get
        width = layout.width
        header = {c.key: c.header for c in self.schema.columns}
        order = {c.header: i for i, c in enumerate(self.schema.columns)}

        def latitude(raw: str) -> float:
            return parse_float(raw, -90.0, 90.0)

        def longitude(raw: str) -> float:
            return parse_float(raw, -180.0, 180.0)

        def flag(block: Block, key: str) -> list:
            return parsed(block, pos(key), header[key], parse_bool, empty=0)

        def validate(rns, rows, errors: ErrorSink) -> list[tuple]:
            block = Block(rns, rows, width, order)
            staged = list(
                zip(
                    rns,
                    text(block, pos("number"), header["number"], 32, required=True),
                    parsed(
                        block, pos("microgrid"), header["microgrid"], parse_microgrid, required=True
                    ),
                    text(block, pos("address"), header["address"], 200),
                    parsed(block, pos("lat"), header["lat"], latitude),
                    parsed(block, pos("lng"), header["lng"], longitude),
                    flag(block, "is_dibao"),
                    flag(block, "is_tekun"),
                    flag(block, "is_tuopin"),
                    chosen(block, pos("monitoring_type"), header["monitoring_type"], MONITORING),
                    flag(block, "is_military_family"),
                    strict=True,
                )
            )
            block.finish(errors)
            return block.good(staged)

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
                # The words every channel uses, whatever holds the number (core.oracle).
                reason=str(NOT_HERE),
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
        return self.row_validator(layout, today)

    def chunk_validator(self, layout: Layout, today: dt.date) -> ChunkValidator:
        """Column by column (``gridgov.dataio.columns``): the registry's biggest file."""
        pos = layout.positions.get
        width = layout.width
        header = {c.key: c.header for c in self.schema.columns}
        order = {c.header: i for i, c in enumerate(self.schema.columns)}
        citizen_ids = CitizenIdColumn(today)
        crypt = ColumnCipher(cipher())
        h_id, h_sex, h_birth = header["citizen_id"], header["sex"], header["birth_date"]
        h_grade = header["disability_grade"]
        no_category = _("填写残疾等级时须填写残疾类别")

        def hidden(raw: str) -> str:  # sensitive text is not repeated in a report
            return raw[:20] + "…"

        def validate(rns, rows, errors: ErrorSink) -> list[tuple]:
            block = Block(rns, rows, width, order)
            n = block.n
            raw_ids = block.columns[pos("citizen_id")]
            for i in (i for i, raw in enumerate(raw_ids) if not raw):
                block.error(i, h_id, "", _("必填，不能为空"))
            numbers, births, sexes = citizen_ids(
                raw_ids,
                lambda i, raw, reason: raw and block.error(i, h_id, mask_citizen_id(raw), reason),
            )
            names = text(block, pos("name"), header["name"], 50, required=True)
            households = text(block, pos("household"), header["household"], 32, required=True)
            relations = chosen(block, pos("relation"), header["relation"], RELATIONS, required=True)
            if (i_sex := pos("sex")) is not None:
                given = chosen(block, i_sex, h_sex, SEX)
                if given != sexes:
                    for i, (code, sex) in enumerate(zip(given, sexes, strict=True)):
                        if code and sex and code != sex:
                            block.error(
                                i,
                                h_sex,
                                block.columns[i_sex][i],
                                _("性别与身份证号不符：身份证号第17位表示%(s)s")
                                % {"s": sex_label(sex)},
                            )
            if (i_birth := pos("birth_date")) is not None:
                column = block.columns[i_birth]
                if list(column) != births:
                    given = parsed(block, i_birth, h_birth, parse_date)
                    for i, (day, birth) in enumerate(zip(given, births, strict=True)):
                        if day and birth and day != birth:
                            block.error(
                                i,
                                h_birth,
                                column[i],
                                _("出生日期与身份证号不符：应为%(d)s") % {"d": birth},
                            )
            phone_numbers = phones(block, pos("phone"), header["phone"])
            residence = chosen(
                block,
                pos("residence_type"),
                header["residence_type"],
                RESIDENCE,
                empty="registered",
            )
            left = chosen(block, pos("left_behind"), header["left_behind"], LEFT_BEHIND)
            alone = parsed(block, pos("lives_alone"), header["lives_alone"], parse_bool, empty=0)
            # Sensitive values (PIPL Art. 28): kept apart, in PersonSensitive.
            group = chosen(block, pos("special_group"), header["special_group"], SPECIAL_GROUPS)
            category = chosen(
                block, pos("disability_category"), header["disability_category"], DISABILITY
            )
            grade = parsed(block, pos("disability_grade"), h_grade, _grade)
            if (i_grade := pos("disability_grade")) is not None:
                i_category = pos("disability_category")
                for i, raw in enumerate(block.columns[i_grade]):
                    if raw and (i_category is None or not block.columns[i_category][i]):
                        block.error(i, h_grade, raw, no_category)
            illness = parsed(
                block, pos("serious_illness"), header["serious_illness"], parse_bool, empty=0
            )
            note = text(block, pos("health_note"), header["health_note"], 200, shown=hidden)
            block.finish(errors)
            if len(block.bad) == n:
                return []
            with_phone = [p for p in phone_numbers if p]
            phone_ciphers = iter(crypt.encrypt(with_phone))
            phone_hashes = iter(crypt.lookup_hash(with_phone))
            rows = list(
                zip(
                    rns,
                    crypt.lookup_hash(numbers),
                    crypt.encrypt(numbers),
                    [number[:6] + "********" + number[14:] for number in numbers],
                    names,
                    sexes,
                    births,
                    households,
                    relations,
                    [next(phone_ciphers) if p else None for p in phone_numbers],
                    [next(phone_hashes) if p else "" for p in phone_numbers],
                    # mask_phone, inlined: a valid number has at least 10 characters
                    [p[:3] + "*" * (len(p) - 7) + p[-4:] if p else "" for p in phone_numbers],
                    residence,
                    left,
                    alone,
                    group,
                    category,
                    grade,
                    illness,
                    note,
                    [
                        1 if any(v) else 0
                        for v in zip(group, category, grade, illness, note, strict=True)
                    ],
                    strict=True,
                )
            )
            return block.good(rows)

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
                # Not "registered outside your scope": that would tell where a resident lives
                # to anyone who may import anywhere (core.oracle).
                reason=str(NOT_HERE),
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


def households_export(reveal: bool) -> ExportSpec:
    monitoring = column_labels(HOUSEHOLDS.column("monitoring_type"))
    return ExportSpec(
        Household,
        (),
        ("number",),
        lambda h: [
            h.number,
            h.grid_path,
            h.address,
            h.lat,
            h.lng,
            yes_no(h.is_dibao),
            yes_no(h.is_tekun),
            yes_no(h.is_tuopin),
            monitoring(h.monitoring_type),
            yes_no(h.is_military_family),
        ],
    )


def persons_export(reveal: bool) -> ExportSpec:
    cid, phone = person_id(reveal), person_phone(reveal)
    sex, relation = column_labels(PERSONS.column("sex")), column_labels(PERSONS.column("relation"))
    residence = column_labels(PERSONS.column("residence_type"))
    left = column_labels(PERSONS.column("left_behind"))
    return ExportSpec(
        Person,
        ("household",),
        ("household_id", "id"),
        lambda p: [
            cid(p),
            p.name,
            sex(p.sex),
            p.birth_date,
            p.household.number,
            relation(p.relation),
            phone(p),
            residence(p.residence_type),
            left(p.left_behind),
            yes_no(p.lives_alone),
        ],
        personal=True,
    )


register_kind(HouseholdsKind(), position=40, export=households_export)
register_kind(PersonsKind(), position=50, export=persons_export)
