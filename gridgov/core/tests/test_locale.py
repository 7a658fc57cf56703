import ast
import gettext
import re
from pathlib import Path
from typing import Any


def test_chinese_by_default_even_for_an_english_browser(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"


def test_english_when_the_user_chose_it(client):
    client.cookies["django_language"] = "en"
    response = client.get("/login/")
    assert response["Content-Language"] == "en"


# The English catalogue is complete: every source string has a checked translation, and the
# compiled .mo (committed, read at run time) says the same as the .po.
LOCALE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"
GETTEXT_CALLS = {"_", "gettext", "gettext_lazy"}
# {% translate "..." %} without a context; Django's extraction doubles every "%" in templates.
TEMPLATE_TRANSLATE = re.compile(r"""{%\s*translate\s+(?:"([^"]*)"|'([^']*)')(?!\s+context)\s""")


def _entries() -> list[dict]:
    """The .po entries as {"flags", "msgctxt", "msgid", "msgstr"/"msgstr[i]", ...}."""
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n"):
        entry: dict[str, Any] = {"flags": "", "msgctxt": None}
        field: Any = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith('"'):
                entry[field] += ast.literal_eval(line)
            elif line and not line.startswith("#"):
                field, _space, value = line.partition(" ")
                entry[field] = ast.literal_eval(value)
        entries.append(entry)
    return [e for e in entries if e.get("msgid")]  # not the header


def _source_strings() -> set[str]:
    """Literal gettext calls in the code and {% translate %} strings in the templates."""
    found, root = set(), LOCALE.parents[2]
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) in GETTEXT_CALLS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    for path in root.rglob("templates/**/*.html"):
        for match in TEMPLATE_TRANSLATE.finditer(path.read_text(encoding="utf-8")):
            found.add((match[1] if match[1] is not None else match[2]).replace("%", "%%"))
    return found


def test_every_catalogue_entry_has_a_checked_english_translation():
    entries = _entries()
    assert len(entries) > 1000  # the parser read the catalogue
    empty = [e["msgid"] for e in entries if not all(v for k, v in e.items() if "msgstr" in k)]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert empty == [] and fuzzy == []


def test_every_source_string_is_in_the_english_catalogue():
    catalogue = {e["msgid"] for e in _entries() if e["msgctxt"] is None}
    source = _source_strings()
    assert len(source) > 1000  # the scan found the code's strings
    assert sorted(source - catalogue) == []


def test_the_compiled_catalogue_matches_the_po():
    with (LOCALE / "django.mo").open("rb") as compiled:
        mo = gettext.GNUTranslations(compiled)._catalog
    stale = []
    for e in _entries():
        key = e["msgid"] if e["msgctxt"] is None else f"{e['msgctxt']}\x04{e['msgid']}"
        if "msgid_plural" in e:
            pairs = [((key, int(k[7:-1])), v) for k, v in e.items() if k.startswith("msgstr[")]
        else:
            pairs = [(key, e["msgstr"])]
        stale += [k for k, v in pairs if mo.get(k) != v]
    assert stale == []
