"""Hostile and broken input, end to end: every case ends in one line naming the file, line or
field, a non-zero exit, an unchanged database and bounded memory.  The inputs are generated
by tests/hostile.py (bombs are too big to keep); XML with DTDs and entities is in
tests/test_sts.py, malformed files of each loader in tests/test_loaders.py and
tests/test_store.py, fuzzed real files in tests/test_fuzz.py.  Hostile output: titles,
headings and text carrying each format's active syntax come out of every export and page as
text, read back by that format's own reader (markdown-it, lxml, csv, openpyxl, python-docx,
bibtexparser, json)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import ROOT, dump_digest
from tests.hostile import (
    ACTIVE_TEXT,
    HOSTILE_BULLETIN_TITLE,
    HOSTILE_SQL,
    HOSTILE_STS,
    Server,
    attack,
    docx_bomb,
    hostile_designation,
    hostile_sources,
    hot_journal,
    pdf_bomb,
    pdf_text,
    xml_bomb,
    yaml_bomb,
)

#: Peak memory (MB) any command may reach on any input of this suite.
PEAK_MB = 500


def kb(*args: str, cwd: Path = ROOT) -> tuple[int, str, float]:
    """Run ``kb`` in a fresh process: (exit code, its one-line stderr and stdout, peak MB of
    that process and its children)."""
    code = ("import resource, subprocess, sys\n"
            "r = subprocess.run([sys.executable, '-m', 'kb.cli', *sys.argv[1:]],"
            " capture_output=True, text=True)\n"
            "sys.stdout.write(r.stderr + r.stdout)\n"
            "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
            "sys.stderr.write(f'{peak:.0f}')\n"
            "sys.exit(r.returncode)\n")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=cwd)
    return done.returncode, done.stdout, float(done.stderr.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A knowledge base built from data/, and a bulletin loaded into it."""
    db = tmp_path_factory.mktemp("hostile") / "kb.db"
    assert kb("build", "--db", str(db), "-q")[0] == 0
    return db


@pytest.fixture
def db(base, tmp_path) -> Path:
    """A copy of the base to spoil."""
    copy = tmp_path / "kb.db"
    copy.write_bytes(base.read_bytes())
    return copy


@pytest.mark.parametrize("make", [
    lambda folder: yaml_bomb(folder, "catalogue"),
    lambda folder: yaml_bomb(folder, "relaton"),
    lambda folder: docx_bomb(folder, 256 << 20),
    lambda folder: docx_bomb(folder, 256 << 20, lie=True),
    lambda folder: xml_bomb(folder, "sts"),
    lambda folder: xml_bomb(folder, "relaton"),
], ids=["yaml-catalogue", "yaml-relaton", "docx", "docx-lying-sizes", "xml-sts", "xml-relaton"])
def test_bombs_are_refused_in_one_line_with_bounded_memory(db, tmp_path, make):
    bomb = make(tmp_path)
    before = dump_digest(db)
    args = ("--designation", "ISO 1") if bomb.suffix == ".docx" else ()
    code, output, peak = kb("load", "--db", str(db), "-q", *args, str(bomb))
    assert code == 1 and peak < PEAK_MB, (output, peak)
    assert "Traceback" not in output
    assert output.splitlines()[0].startswith(f"kb: {bomb}: ")
    if bomb.suffix == ".xml":  # the declaration past the bound, by its line
        assert output.splitlines()[0] == (f"kb: {bomb}: line 8: the entity 'lol5' expands to "
                                          "more than 65,536 characters: refused as an entity "
                                          "bomb"), output
    assert dump_digest(db) == before


def test_a_pdf_is_read_in_a_bounded_process(db, tmp_path):
    """A PDF whose page inflates to 1 GB is refused by the reading process's memory limit;
    an ordinary one is read."""
    bomb = pdf_bomb(tmp_path, 1 << 30)
    before = dump_digest(db)
    code, output, peak = kb("bulletin", "load", "--db", str(db), "-q", str(bomb))
    assert code == 1 and peak < PEAK_MB, (output, peak)
    assert f"kb: {bomb}: reading the PDF needs more than 480 MB: refused" in output
    assert dump_digest(db) == before
    good = pdf_text(tmp_path, "ISO 9001:2015 and GB/T 19001-2016")
    code, output, _ = kb("bulletin", "load", "--db", str(db), "-q", str(good))
    assert code == 0, output
    conn = sqlite3.connect(db)
    assert {r[0] for r in conn.execute("select canonical from mentions")} >= {
        "ISO 9001:2015", "GB/T 19001-2016"}


@pytest.mark.parametrize("command", [
    ["history", "ISO 19011"], ["show", "ISO 19011:2018"], ["read", "T/KBS 1-2026", "1"],
    ["export", "--work", "ISO 19011"], ["search", "audit"], ["term", "audit"],
    ["changes"], ["doctor"],
])
def test_read_commands_recover_a_killed_load(db, command):
    """A load killed mid-transaction leaves a hot journal; every read command rolls it back
    (the database is as the last commit left it) instead of failing."""
    before = dump_digest(db)
    hot_journal(db)
    journal = Path(f"{db}-journal")
    assert journal.exists() and journal.stat().st_size > 0
    code, output, _ = kb(command[0], "--db", str(db), *command[1:])
    assert code == 0, output
    assert "Traceback" not in output and "readonly" not in output
    assert not journal.exists() or journal.stat().st_size == 0
    assert dump_digest(db) == before


def test_a_reader_without_write_access_says_how_to_recover(db, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root may write anywhere: the refusal needs an unprivileged user")
    hot_journal(db)
    db.chmod(0o444)
    db.parent.chmod(0o555)
    try:
        code, output, _ = kb("history", "--db", str(db), "ISO 19011")
    finally:
        db.parent.chmod(0o755)
    assert code == 1 and "a load was interrupted" in output and len(output.splitlines()) == 1


@pytest.mark.parametrize("command", [
    ["history"], ["show"], ["read", "{}", "1"], ["export", "--work"], ["term"], ["search"],
    ["diff", "{}", "ISO 19011"], ["crosswalk", "{}", "ISO 19011"], ["check"],
    ["bulletin", "show"], ["parse"],
])
def test_every_parameter_is_bounded(db, command):
    long = "ISO " + "9" * 50_000
    args = [a.replace("{}", long) for a in command]
    if "{}" not in "".join(command):
        args.append(long)
    name, *rest = args
    if name == "parse":
        code, output, _ = kb("parse", *rest)
    elif name == "bulletin":
        code, output, _ = kb("bulletin", rest[0], "--db", str(db), *rest[1:])
    else:
        code, output, _ = kb(name, "--db", str(db), *rest)
    assert code != 0 and "Traceback" not in output, output
    assert len(output.strip().splitlines()) == 1, output
    assert "50,004 characters (at most 1,000)" in output, output


@pytest.fixture(scope="module")
def server(base):
    with Server(base) as running:
        yield running


@pytest.mark.parametrize("name", list(HOSTILE_SQL))
def test_hostile_sql_cannot_hurt_the_server(server, name):
    """Each query ends in an error or a bounded answer within the time limit, the server
    stays under 500 MB and another client keeps getting its pages."""
    result = attack(server, HOSTILE_SQL[name])
    assert result["status"] in (200, 400), result
    assert result["seconds"] < 10, result
    assert result["probes_failed"] == 0 and result["probes_ok"] >= 1, result
    assert result["peak_rss_mb"] < PEAK_MB, result


def test_a_long_url_is_414(server):
    status, body = server.get("/-/standards/" + "9" * 20_000)
    assert status == 414 and b"at most 16,384" in body


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_stopping_kb_serve_leaves_nothing_behind(base, sig):
    with Server(base) as running:
        pid = running.process.pid
        os.kill(pid, sig)  # the kb serve process alone, not its group
        running.process.wait(10)
        time.sleep(0.5)
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", running.port), timeout=2).close()


def test_a_busy_port_is_one_line(base):
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        code, output, _ = kb("serve", "--db", str(base), "--port", str(port))
    assert code == 1 and output.strip() == (
        f"kb: cannot serve on 127.0.0.1:{port}: Address already in use (another server "
        "there? choose a port with --port)")


def test_kb_serve_recovers_a_killed_load_before_serving(db):
    hot_journal(db)
    with Server(db) as running:
        status, body = running.get("/-/standards/ISO%2019011")
    assert status == 200 and b"CHANGED" not in body


def _tar(path: Path, members: list[tuple[str, bytes | None, str | None]]) -> Path:
    """A .tar.xz of (name, bytes, link target) members."""
    import io
    import tarfile

    with tarfile.open(path, "w:xz") as archive:
        for name, data, link in members:
            info = tarfile.TarInfo(name)
            if link:
                info.type, info.linkname = tarfile.SYMTYPE, link
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return path


_RECORD = b"docid:\n- id: ISO 2:2003\n  type: ISO\n  primary: true\n"

#: (file name, contents or a maker, the one line expected after "kb: <file>")
_BROKEN = [
    ("traversal.tar.xz", lambda p: _tar(p, [("../../evil.yaml", _RECORD, None)]),
     "a member name that leaves the archive: refused"),
    ("absolute.tar.xz", lambda p: _tar(p, [("/tmp/evil.yaml", _RECORD, None)]),
     "a member name that leaves the archive: refused"),
    ("symlink.tar.xz", lambda p: _tar(p, [("data/x.yaml", None, "/etc/passwd")]),
     "no Relaton records (YAML or XML files) in the archive"),
    ("python.yaml", b"works:\n- work: !!python/object/apply:os.system ['true']\n",
     "could not determine a constructor for the tag"),
    ("python-relaton.yaml", b"docid:\n- id: !!python/object/apply:os.system ['true']\n"
     b"  type: ISO\n  primary: true\n", "is not a designation"),
    ("bad-utf8.yaml", b"works:\n- work: ISO 1\n  title: \xff\xfe\xfa\n", "not UTF-8 text"),
    ("utf16.yaml", "works:\n- work: ISO 1\n".encode("utf-16"), "no loader for this file"),
    ("empty.yaml", b"", "no loader for this file"),
    ("empty.sts.xml", b"", "no loader for this file"),
    ("garbage.pdf", b"%PDF-1.4\n\x00\x01garbage\n%%EOF\n", "PDF"),
    ("truncated.sts.xml", b"<standard><front><iso-meta><std-ref>ISO 1:2002</std-ref></iso-meta>"
     b"</front><body><sec><title>x", "malformed XML: Premature end of data"),
    ("truncated.jsonl", b'{"work": "ISO 1", "editions": [{"designation": "ISO 1:20',
     "malformed JSON"),
    ("impossible-date.yaml", b"works:\n- work: ISO 1\n  editions:\n  - designation: ISO 1:2002\n"
     b"    published: 2002-02-30\n", "impossible date"),
    ("missing.csv", b"designation,title_en,status\n,Only a title,current\n",
     "each edition needs a 'designation'"),
    ("extra.csv", b"designation,title_en\nISO 1:2002,A title,an extra field\n",
     "more fields than the header has"),
    ("long.yaml", b"works:\n- work: ISO " + b"9" * 5000 + b"\n",
     "too long to be a designation (5004 characters)"),
]


@pytest.mark.parametrize(("name", "contents", "expected"), _BROKEN,
                         ids=[case[0] for case in _BROKEN])
def test_broken_and_crafted_files_are_one_line_and_change_nothing(db, tmp_path, name,
                                                                  contents, expected):
    path = tmp_path / name
    if callable(contents):
        contents(path)
    else:
        path.write_bytes(contents)
    before = dump_digest(db)
    args = ("--designation", "ISO 1") if name.endswith(".pdf") else ()
    code, output, peak = kb("load", "--db", str(db), "-q", *args, str(path))
    assert code == 1 and "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("kb: ")]
    assert len(errors) == 1 and errors[0].startswith(f"kb: {path}"), output
    assert expected in errors[0], output
    assert dump_digest(db) == before
    assert not (tmp_path.parent / "evil.yaml").exists()


def test_a_load_into_a_served_knowledge_base_is_served_within_seconds(db, tmp_path):
    """kb serve serves a snapshot; a bulletin loaded meanwhile is published as the next one
    and the server switches to it: a client asking all the while gets no error, and the new
    bulletin's page within seconds.  Older snapshots go once nothing has them open."""
    import threading

    from kb.catalogue import snapshots
    from tests.conftest import BULLETIN

    bulletin = tmp_path / "kbs-new-bulletin.txt"
    bulletin.write_text(BULLETIN.read_text(encoding="utf-8"), encoding="utf-8")
    with Server(db) as running:
        statuses: list[int] = []
        stop = threading.Event()

        def hammer() -> None:
            while not stop.is_set():
                for path in ("/-/bulletins", "/-/standards/ISO%2019011",
                             "/-/search.json?q=audit"):
                    statuses.append(running.get(path)[0])

        thread = threading.Thread(target=hammer)
        thread.start()
        try:
            code, output, _ = kb("bulletin", "load", "--db", str(db), "-q", str(bulletin))
            assert code == 0, output
            deadline = time.monotonic() + 10
            while running.get("/-/bulletin/kbs-new-bulletin")[0] != 200:
                assert time.monotonic() < deadline, "the new bulletin is not served in 10 s"
                time.sleep(0.2)
            for _ in range(2):  # two more loads: the first snapshot can go
                bulletin.write_text(bulletin.read_text(encoding="utf-8") + "\nISO 9001:2015",
                                    encoding="utf-8")
                assert kb("bulletin", "load", "--db", str(db), "-q", str(bulletin))[0] == 0
            time.sleep(1)
        finally:
            stop.set()
            thread.join()
    assert statuses and set(statuses) == {200}, set(statuses)
    numbered = sorted(p.name for p in snapshots.folder(db).iterdir() if p.name.isdigit())
    assert numbered[-1] == "000004" and snapshots.current(db).parent.name == "000004"
    # the server has stopped: nothing holds the older snapshots, the next prune takes them
    snapshots.prune(db)
    assert sorted(p.name for p in snapshots.folder(db).iterdir() if p.name.isdigit()) == [
        "000003", "000004"]


# --- hostile output: what was read is shown as written, and never acts -----------------------

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _norm(text: str) -> str:
    """A text as every format must show it: without control characters, spaces collapsed."""
    return " ".join(_CONTROL.sub("", text).split())


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A knowledge base of hostile sources (tests/hostile.py): (its path, the title of each
    cited edition as stored)."""
    from click.testing import CliRunner

    from kb.cli import main

    folder = tmp_path_factory.mktemp("hostile-output")
    catalogue, sts, bulletin = hostile_sources(folder)
    db = folder / "kb.db"
    newer = folder / "hostile-2021.sts.xml"
    newer.write_text(sts.read_text(encoding="utf-8").replace(" alert</p>", " alert changed "
                     + ACTIVE_TEXT["markdown"].replace("&", "&amp;").replace("<", "&lt;")
                     + "</p>"), encoding="utf-8")
    for args in (["load", str(catalogue), str(sts)],
                 ["load", "--designation", "ISO 99020:2021", str(newer)],
                 ["bulletin", "load", "--date", "2024-01-01", str(bulletin)]):
        result = CliRunner().invoke(main, [args[0], *args[1:-1], "--db", str(db), "-q",
                                           args[-1]] if args[0] == "load" else
                                    ["bulletin", "load", "--db", str(db), "-q", *args[2:]])
        assert result.exit_code == 0, result.output
    titles = dict(sqlite3.connect(db).execute(
        "select id, title_en from editions where id like 'ISO 990__:2020'"))
    assert len(titles) == len(ACTIVE_TEXT) + 1
    assert titles[hostile_designation(list(ACTIVE_TEXT).index("lines"))].count("\n") == 4
    return db, {d: t for d, t in titles.items() if d != HOSTILE_STS}


def _export(db: Path, fmt: str, lang: str) -> str | bytes:
    from click.testing import CliRunner

    from kb.bulletins.export import BINARY
    from kb.cli import main

    out = db.parent / f"export.{fmt}.{lang}"
    result = CliRunner().invoke(main, ["export", "--db", str(db), "hostile-bulletin",
                                       "--format", fmt, "--lang", lang, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_bytes() if fmt in BINARY else out.read_text(encoding="utf-8")


def _rows_by_designation(rows: list[list[str]]) -> dict[str, str]:
    """designation -> title of table rows (header left out)."""
    return {r[0]: r[1] for r in rows[1:]}


def _same(read: dict[str, str], titles: dict[str, str]) -> bool:
    """The titles read back are the stored ones (controls left out, spaces collapsed)."""
    return {d: _norm(t) for d, t in read.items()} == {d: _norm(t) for d, t in titles.items()}


def _check_markdown(text: str, titles: dict[str, str]) -> None:
    """Rendered as CommonMark with tables: a heading and a table whose cells are text only."""
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tree = SyntaxTreeNode(parser.parse(text))
    blocks = [node.type for node in tree.children]
    assert blocks == ["heading", "table"], blocks
    rows = []
    for node in tree.walk():
        if node.type == "inline":
            kinds = {child.type for child in node.children}
            assert kinds <= {"text", "softbreak"}, (kinds, node.content)
        if node.type == "tr":
            rows.append(["".join(c.content for c in cell.children[0].children)
                         if cell.children else "" for cell in node.children])
    heading = "".join(c.content for c in tree.children[0].children[0].children)
    assert heading == _norm(HOSTILE_BULLETIN_TITLE)
    assert all(len(row) == 9 for row in rows), rows
    assert _same(_rows_by_designation(rows), titles)
    rendered = parser.render(text)
    assert "<script" not in rendered and "<img" not in rendered and "<a " not in rendered


def _check_html(text: str, titles: dict[str, str]) -> None:
    from lxml import html as lxml_html

    assert_inert_html(text)
    page = lxml_html.fromstring(text)
    assert page.findtext(".//title") == HOSTILE_BULLETIN_TITLE
    rows = [[td.text_content() for td in tr] for tr in page.iter("tr")]
    assert _rows_by_designation(rows) == {d: _CONTROL.sub("", t) for d, t in titles.items()}


def _check_csv(text: str, titles: dict[str, str]) -> None:
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert all(not cell.startswith(_FORMULA) for row in rows for cell in row)
    expected = {d: ("'" if t.startswith(_FORMULA) else "") + _CONTROL.sub("", t)
                for d, t in titles.items()}
    assert _rows_by_designation(rows) == expected


def _check_xlsx(data: bytes, titles: dict[str, str]) -> None:
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert {c.data_type for c in cells} <= {"s", "n"} and not sheet._hyperlinks
    assert all(c.value is None or isinstance(c.value, str) for c in cells)
    assert all(c.quotePrefix == c.value.startswith(_FORMULA) for c in cells if c.value)
    rows = [[c.value or "" for c in row] for row in sheet.iter_rows()]
    assert _rows_by_designation(rows) == {d: _CONTROL.sub("", t) for d, t in titles.items()}
    assert sheet.title == "<script>alert(1)< script> 通知"  # Excel's sheet-name rules


def _check_docx(data: bytes, titles: dict[str, str]) -> None:
    import zipfile

    import docx

    document = docx.Document(io.BytesIO(data))
    assert document.paragraphs[0].text == HOSTILE_BULLETIN_TITLE
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert _rows_by_designation(rows) == {d: _CONTROL.sub("", t) for d, t in titles.items()}
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "fldSimple" not in xml and "instrText" not in xml and "hyperlink" not in xml


_LATEX_BACK = {r"\textbackslash{}": "\\", r"\textbraceleft{}": "{", r"\textbraceright{}": "}",
               r"\textasciitilde{}": "~", r"\textasciicircum{}": "^", r"\&": "&", r"\%": "%",
               r"\$": "$", r"\#": "#", r"\_": "_"}


def _check_bibtex(text: str, titles: dict[str, str]) -> None:
    """Read by bibtexparser (which counts braces as BibTeX does): one entry per row, only the
    fields the export writes, each title the stored one once its commands are read."""
    import bibtexparser

    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks and len(library.entries) == len(titles)
    fields = {"title", "number", "type", "institution", "address", "year", "note"}
    read = {}
    for entry in library.entries:
        assert set(entry.fields_dict) <= fields, entry.fields_dict
        title = entry["title"]
        assert "\n" not in title and re.sub(r"\\[a-z]+\{\}|\\[&%$#_]", "", title).count(
            "\\") == 0, title
        read[entry["number"]] = re.sub(r"\\[a-z]+\{\}|\\[&%$#_]",
                                       lambda m: _LATEX_BACK[m.group()], title)
    assert _same(read, titles)


def _check_ris(text: str, titles: dict[str, str]) -> None:
    lines = text.strip("\n").split("\n")
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in lines if line), lines
    assert [line[:2] for line in lines].count("TY") == len(titles) == \
        [line[:2] for line in lines].count("ER")
    read, designation = {}, None
    for line in reversed(lines):
        if line.startswith("M1  - "):
            designation = line[6:]
        if line.startswith("TI  - "):
            read[designation] = line[6:]
    assert _same(read, titles)


def _check_csl(text: str, titles: dict[str, str]) -> None:
    items = json.loads(text)
    assert _same({i["number"]: i["title"] for i in items}, titles)


def _check_reference_list(text: str, titles: dict[str, str]) -> None:
    lines = text.strip("\n").split("\n")
    assert len(lines) == len(titles) and not _CONTROL.search(text)
    assert [line.split(" ", 1)[0] for line in lines] == [f"[{i}]" for i in
                                                         range(1, len(titles) + 1)]
    for designation, title in titles.items():
        assert any(designation in line and _norm(title) in _norm(line) for line in lines), title


_CHECKS = {"md": _check_markdown, "html": _check_html, "csv": _check_csv, "xlsx": _check_xlsx,
           "docx": _check_docx, "bibtex": _check_bibtex, "ris": _check_ris,
           "csl-json": _check_csl, "gbt7714": _check_reference_list,
           "iso690": _check_reference_list}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("fmt", list(_CHECKS))
def test_every_export_shows_active_text_as_written(hostile, fmt, lang):
    """Titles carrying each format's active syntax (tests/hostile.py ACTIVE_TEXT) come out of
    every export as text: no tag, link, emphasis, formula, BibTeX field or RIS line of their
    own; the same title, read back by that format's reader."""
    from kb.bulletins.export import FORMATS

    assert set(_CHECKS) == set(FORMATS)
    db, titles = hostile
    _CHECKS[fmt](_export(db, fmt, lang), titles)


def test_the_gbt7714_simplified_list_is_one_line_a_reference(hostile):
    from click.testing import CliRunner

    from kb.cli import main

    db, titles = hostile
    result = CliRunner().invoke(main, ["export", "--db", str(db), "hostile-bulletin",
                                       "--format", "gbt7714", "--simplified"])
    assert result.exit_code == 0
    _check_reference_list(result.output, titles)


def test_a_comparison_in_markdown_and_html_shows_active_text_as_written(hostile):
    from click.testing import CliRunner
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode

    from kb.cli import main

    db, _ = hostile
    outputs = {}
    for fmt in ("md", "html"):
        result = CliRunner().invoke(main, ["diff", "--db", str(db), "--format", fmt,
                                           HOSTILE_STS, "ISO 99020:2021"])
        assert result.exit_code == 0, result.output
        outputs[fmt] = result.output
    assert_inert_html(outputs["html"])
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tree = SyntaxTreeNode(parser.parse(outputs["md"]))
    tags = set()
    for node in tree.walk():
        if node.type == "inline":
            kinds = {child.type for child in node.children}
            assert kinds <= {"text", "html_inline"}, (kinds, node.content)
            tags |= {c.content for c in node.children if c.type == "html_inline"}
    assert tags == {"<ins>", "</ins>"}, tags  # the redline's own marks, nothing else
    assert "<script" not in parser.render(outputs["md"])


def assert_inert_html(body: str) -> None:
    """No element or attribute the hostile texts brought: no script of theirs, no handler,
    no javascript: address, no image or frame of theirs."""
    from lxml import html as lxml_html

    assert "<script>alert(" not in body and "<img src=x" not in body, body
    for element in lxml_html.fromstring(body).iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "script":
            assert "alert(" not in (element.text or "")
        assert element.tag not in ("img", "iframe", "object", "embed") or \
            "127.0.0.1:9" not in str(element.attrib) and element.get("src") != "x"
        for name, value in element.attrib.items():
            assert not (name.startswith("on") and "alert(" in value), (name, value)
            if name in ("href", "src", "action", "formaction"):
                assert not value.strip().lower().startswith("javascript:"), value


_PAGES = ["/", "/-/standards", "/-/bulletins", "/-/bulletin/hostile-bulletin",
          "/-/standards/ISO%2099001", "/-/standards/ISO%2099002", "/-/standards/ISO%2099003",
          "/-/standards/ISO%2099020", "/-/clause/ISO%2099020%3A2020/1",
          "/-/clause/ISO%2099020%3A2020/", "/-/search?q=alert", "/-/search?q=alert&kind=term",
          "/-/term/" + quote("alert term " + ACTIVE_TEXT["html"], safe=""), "/-/changes",
          "/-/diff?old=ISO%2099020%3A2020&new=ISO%2099020%3A2021",
          "/kb/editions", "/kb/editions/ISO%2099002%3A2020", "/kb/clauses?_search=alert",
          "/kb/bulletins", "/-/bulletin/hostile-bulletin.html"]


@pytest.mark.parametrize("ui", ["en", "zh"])
@pytest.mark.parametrize("path", _PAGES)
async def test_every_page_shows_active_text_as_written(hostile, path, ui):
    """Each page (ours and Datasette's) shows the hostile titles, headings, clause text,
    terms and bulletin text as text: nothing they carry becomes an element or an attribute."""
    import yaml
    from datasette.app import Datasette

    db, _ = hostile
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())
    datasette = Datasette([str(db)], immutables=[], metadata=metadata,
                          settings={"suggest_facets": False})
    separator = "&" if "?" in path else "?"
    response = await datasette.client.get(f"{path}{separator}ui={ui}", follow_redirects=True)
    assert response.status_code == 200, (path, response.status_code)
    assert_inert_html(response.text)
    if path not in ("/", "/-/standards", "/-/changes"):  # pages that show none of this data
        assert "alert(" in response.text  # the hostile text is shown, as text
    if path in ("/-/bulletin/hostile-bulletin", "/-/standards/ISO%2099001"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


@pytest.mark.parametrize("command", [
    ["show", hostile_designation(list(ACTIVE_TEXT).index("control"))],
    ["history", hostile_designation(list(ACTIVE_TEXT).index("control"))],
    ["bulletin", "show", "hostile-bulletin"], ["check", "hostile-bulletin"],
    ["read", HOSTILE_STS, "1"], ["search", "alert"], ["term", "alert term " + ACTIVE_TEXT["html"]],
    ["diff", HOSTILE_STS, "ISO 99020:2021"],
])
def test_the_terminal_gets_no_control_character_a_source_holds(hostile, command):
    """A title holding a bell, an escape sequence (ESC [31m) or a vertical tab is printed
    without them, even to a terminal that keeps colours (click strips escape sequences only
    when the output is not one)."""
    from click.testing import CliRunner

    from kb.cli import main

    db, _ = hostile
    name, *rest = command
    args = [name, rest[0], "--db", str(db), *rest[1:]] if name == "bulletin" else \
        [name, "--db", str(db), *rest]
    result = CliRunner().invoke(main, args, color=True)
    assert result.exit_code == 0, result.output
    assert not _CONTROL.search(result.output.replace("\t", "")), repr(result.output)
    if name in ("show", "history"):
        assert "bell escape[31m red tab\tend" in result.output


def test_the_changes_log_reaches_the_terminal_without_control_characters(tmp_path):
    """A title a revised file changed to one holding a bell and an escape sequence is listed
    by ``kb changes`` (old → new) without them."""
    import yaml
    from click.testing import CliRunner

    from kb.cli import main

    db = tmp_path / "kb.db"
    source = tmp_path / "catalogue.yaml"
    for title in ["Plain title", "bell\x07 escape\x1b[31m red"]:
        source.write_text(yaml.safe_dump({"source": "changes test", "works": [
            {"work": "ISO 99100", "editions": [{"designation": "ISO 99100:2020",
                                                 "title": {"en": title},
                                                 "status": "current"}]}]}),
            encoding="utf-8")
        loaded = CliRunner().invoke(main, ["load", "--db", str(db), "-q", str(source)])
        assert loaded.exit_code == 0, loaded.output
    result = CliRunner().invoke(main, ["changes", "--db", str(db)], color=True)
    assert result.exit_code == 0, result.output
    assert "title_en: Plain title → bell escape[31m red" in result.output
    assert not _CONTROL.search(result.output), repr(result.output)
