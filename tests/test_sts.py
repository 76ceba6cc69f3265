"""STS XML: metadata, clause tree, terms and citations; bad and hostile XML refused."""

from __future__ import annotations

import sqlite3

import pytest

from kb.catalogue.model import LoadError
from kb.catalogue.store import SCHEMA_VERSION
from tests.conftest import corpus, dump_digest, load


@pytest.fixture(scope="module")
def rice(tmp_path_factory):
    db = tmp_path_factory.mktemp("sts") / "kb.db"
    summary = load(db, corpus("sts", "rice-en.final.sts.xml"))
    assert summary.failed == 0, summary.errors
    return db


def test_metadata_becomes_the_edition(rice):
    row = sqlite3.connect(rice).execute(
        "select title_en, title_fr, edition, committee, ics from editions "
        "where id = 'ISO 17301-1:2016'").fetchone()
    assert row[0].startswith("Cereals and pulses — Specifications and test methods")
    assert row[1].startswith("Céréales et légumineuses")
    assert row[2:] == ("2", "ISO/TC 34/SC 4/WG 4", '["67.060"]')


def test_clause_tree(rice):
    conn = sqlite3.connect(rice)
    top = [r[0] for r in conn.execute(
        "select number from clauses where parent is null order by ord")]
    assert top == ["foreword", "introduction", "1", "2", "3", "4", "5", "6", "7", "8", "9",
                   "A", "B", "C", "D", "E", "bibliography"]
    kinds = dict(conn.execute("select number, kind from clauses where number in "
                              "('A', 'B', '3.1', 'foreword', '1')"))
    assert kinds == {"A": "annex-normative", "B": "annex-informative", "3.1": "term",
                     "foreword": "foreword", "1": "clause"}
    assert conn.execute("select parent, heading from clauses where number = 'A.2.1'"
                        ).fetchone() == ("A.2", "Sample divider,")
    orders = [r[0] for r in conn.execute("select ord from clauses order by ord")]
    assert orders == sorted(set(orders))
    scope = conn.execute("select text from clauses where number = '1'").fetchone()[0]
    assert scope.startswith("This document specifies") and "  " not in scope


def test_terms(rice):
    conn = sqlite3.connect(rice)
    assert conn.execute("select count(*) from terms").fetchone() == (15,)
    row = conn.execute("select preferred, admitted, definition, source from terms "
                       "where entry = '3.1'").fetchone()
    assert row == ("paddy", '["paddy rice", "rough rice"]',
                   "rice retaining its husk after threshing", "ISO 7301:2011, 3.1")


def test_citations(rice):
    conn = sqlite3.connect(rice)
    cites = {r[0] for r in conn.execute("select object from relations where type = 'cites' "
                                        "and subject = 'ISO 17301-1:2016'")}
    assert {"ISO 712 (all parts)", "ISO 8351-1:1994", "ISO 20483:2013"} <= cites
    places = {}
    for clause, cited, written in conn.execute(
            "select clause, cited, as_written from citations where edition_id = ?",
            ("ISO 17301-1:2016",)):
        places.setdefault(cited, {})[clause] = written
    assert places["ISO 712 (all parts)"] == {"2": "ISO 712 (all parts)"}
    assert "8" in places["ISO 8351-1:1994"]
    assert set(places) <= cites  # every citation is also a relation of the edition


def test_notes_tables_and_figures_are_blocks_of_their_clause(rice):
    conn = sqlite3.connect(rice)
    blocks = {r[0]: r[1:] for r in conn.execute(
        "select number, kind, parent, heading from clauses where kind in "
        "('note', 'example', 'table', 'figure')")}
    assert blocks["Table 1"] == ("table", "4.2.2", "Maximum permissible mass fraction of defects")
    assert blocks["4.2.2 NOTE 2"] == ("note", "4.2.2", None)
    assert blocks["Figure A.1"] == ("figure", "A.4.1", "Split-it-right sample divider")
    assert conn.execute("select count(*) from clauses where number = 'A.1' and kind = 'clause'"
                        ).fetchone() == (1,)  # the figure labelled "A.1" does not replace it
    text = conn.execute("select text from clauses where number = '4.2.2'").fetchone()[0]
    assert "limits given in Table 1." in text and "commercial contracts" not in text
    rows = conn.execute("select text from clauses where number = 'Table 1'").fetchone()[0]
    assert "Paddy | 2,5 | 0,3 | 2,5 | 0,3" in rows.splitlines()


def test_reloading_replaces_the_text(tmp_path):
    source = corpus("sts", "rice-en.final.sts.xml").read_text(encoding="utf-8")
    path = tmp_path / "rice.xml"
    path.write_text(source, encoding="utf-8")
    db = tmp_path / "kb.db"
    load(db, path)
    before = dump_digest(db)
    assert load(db, path).unchanged == 1 and dump_digest(db) == before
    start = source.index('<sec id="sec_9"')
    end = source.index("</sec>", start) + len("</sec>")
    path.write_text(source[:start] + source[end:], encoding="utf-8")
    assert load(db, path).loaded == 1
    numbers = {r[0] for r in sqlite3.connect(db).execute("select number from clauses")}
    assert "9" not in numbers and "8" in numbers


_LAUGHS = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "lol"}">\n'
                  for i in range(10))  # lol9 would be 3,000,000,000 characters
_META = "<standard><front><iso-meta><std-ref>ISO 1:2002</std-ref></iso-meta></front><body>"


@pytest.mark.parametrize(("xml", "message"), [
    ("<standard><front><iso-meta><std-ref>ISO 1:2002</std-ref></iso-meta></front><body>"
     "<sec><title>x</title>\n\n<p>unclosed</sec></body></standard>", "line 3: malformed XML"),
    # external entities, parsed or not, are refused at their declaration: nothing is read
    ('<?xml version="1.0"?>\n<!DOCTYPE standard [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
     "<standard><front><iso-meta><std-ref>ISO 1:2002</std-ref></iso-meta></front><body>"
     "<sec><label>1</label><title>Scope</title><p>&x;</p></sec></body></standard>",
     "line 2: the DOCTYPE declares the external entity 'x' (file:///etc/passwd): refused"),
    ('<?xml version="1.0"?>\n<!DOCTYPE standard [\n<!NOTATION gif SYSTEM "gif">\n'
     '<!ENTITY logo PUBLIC "-//X//logo" "http://127.0.0.1:9/logo.gif" NDATA gif>]>\n' + _META
     + "<sec><label>1</label><title>Scope</title></sec></body></standard>",
     "line 4: the DOCTYPE declares the external entity 'logo' (http://127.0.0.1:9/logo.gif)"),
    # a billion laughs: refused at the first declaration past the bound, in one line
    ('<?xml version="1.0"?>\n<!DOCTYPE standard [\n' + _LAUGHS + ']>\n' + _META
     + "<sec><label>1</label><title>Scope</title><p>&lol9;</p></sec></body></standard>",
     "line 8: the entity 'lol5' expands to more than 65,536 characters: refused as an entity "
     "bomb"),
    # a chain of harmless entities nested too deep
    ('<?xml version="1.0"?>\n<!DOCTYPE standard [\n<!ENTITY e0 "x">\n' + "".join(
        f'<!ENTITY e{i} "&e{i - 1};">\n' for i in range(1, 12)) + ']>\n' + _META
     + "<sec><label>1</label><title>Scope &e11;</title></sec></body></standard>",
     "line 11: the entity 'e8' nests entities more than 8 deep: refused"),
    # small entities used so often that all together they would flood memory
    ('<?xml version="1.0"?>\n<!DOCTYPE standard [<!ENTITY h "' + "t" * 100 + '">'
     '<!ENTITY k "' + "&h;" * 100 + '"><!ENTITY t "' + "&k;" * 6 + '">]>\n' + _META
     + "<sec><label>1</label><title>Scope</title>\n" + "<p>&t;</p>\n" * 300
     + "</sec></body></standard>",
     "line 283: the document's entities expand to more than 16,777,216 characters: refused"),
    # ... and libxml2's own bound, five times the text that uses them, stays on
    ('<?xml version="1.0"?>\n<!DOCTYPE standard [<!ENTITY h "' + "t" * 100 + '">'
     '<!ENTITY t "' + "&h;" * 100 + '">]>\n' + _META
     + "<sec><label>1</label><title>Scope</title>\n" + "<p>&t;</p>\n" * 100
     + "</sec></body></standard>", "the document's entities expand too much for the text "
     "that uses them (Maximum entity amplification factor exceeded"),
    ('<?xml version="1.0"?>\n<!DOCTYPE standard [\n<!ENTITY a "x&b;">\n<!ENTITY b "&a;">]>\n'
     + _META + "<sec><label>1</label><title>&a;</title></sec></body></standard>",
     "line 3: the entity 'a' refers to itself: refused"),
    # an external DTD is never fetched; an entity only it defines is refused with its line
    ('<?xml version="1.0"?>\n<!DOCTYPE standard SYSTEM "http://127.0.0.1:9/x.dtd">\n'
     "<standard><front><iso-meta><std-ref>ISO 1:2002</std-ref></iso-meta></front><body>\n"
     "<sec><label>1</label><title>Scope &e;</title></sec></body></standard>",
     "line 4: Entity 'e' not defined"),
    # a parameter entity, reaching out or not: refused before anything is read
    ('<?xml version="1.0"?>\n<!DOCTYPE standard [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p">'
     "%p;]>\n<standard><front><iso-meta><std-ref>ISO 1:2002</std-ref></iso-meta></front>"
     "</standard>", "line 2: the DOCTYPE declares a parameter entity: refused"),
    ('<?xml version="1.0"?>\n<!DOCTYPE standard [\n<!ENTITY % p "<!ENTITY x \'y\'>">%p;]>\n'
     + _META + "<sec><label>1</label><title>&x;</title></sec></body></standard>",
     "line 3: the DOCTYPE declares a parameter entity: refused"),
    # XInclude is not processed: the include stays an unknown element, nothing is read
    ('<standard xmlns:xi="http://www.w3.org/2001/XInclude"><front><iso-meta><std-ref>ISO 1:2002'
     '</std-ref></iso-meta></front><body><sec><label>1</label><title>Scope</title>'
     '<p><xi:include href="/etc/passwd" parse="text"/></p></sec></body></standard>', None),
])
def test_bad_and_hostile_xml(tmp_path, xml, message):
    path = tmp_path / "doc.xml"
    path.write_text(xml, encoding="utf-8")
    db = tmp_path / "kb.db"
    load(db, corpus("sts", "rice-en.final.sts.xml"))
    before = dump_digest(db)
    summary = load(db, path)
    if message:
        assert summary.failed == 1 and message in summary.errors[0]
        assert dump_digest(db) == before
    else:  # entities are neither fetched nor expanded
        texts = [r[0] for r in sqlite3.connect(db).execute(
            "select text from clauses where edition_id = 'ISO 1:2002'")]
        assert all("root:" not in t and "aaaaaaaaaa" not in t for t in texts)


def test_the_entities_of_an_internal_subset_are_counted():
    from loaders import bounds

    def subset(n: int) -> bytes:
        return ('<!DOCTYPE standard [' + "".join(f'<!ENTITY e{i} "v">' for i in range(n))
                + ']>\n<standard>&e1;</standard>').encode()

    assert len(bounds.internal_entities(subset(1000))) == 1000
    assert bounds.parse_xml(subset(1000)).text == "v"
    with pytest.raises(LoadError, match=r"^line 2: the DOCTYPE declares 1,001 entities \(at "
                       r"most 1,000\): refused$"):
        bounds.parse_xml(subset(1001))


def test_designation_named_on_the_command_line(tmp_path):
    """isosts_tables.xml declares its own text entities (<!ENTITY th "header text">): they
    are expanded; its <std-ref> is "XHTML to CALS", so the edition is named on the command
    line."""
    from click.testing import CliRunner

    from kb.cli import main

    original = corpus("sts", "isosts_tables.xml")
    db = tmp_path / "kb.db"
    refused = CliRunner().invoke(main, ["load", "--db", str(db), str(original)])
    assert refused.exit_code == 1 and "name the edition with --designation" in refused.output
    result = CliRunner().invoke(main, ["load", "--db", str(db), "--designation",
                                       "ISO 99999:2020", str(original)])
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db)
    kinds = dict(conn.execute(
        "select kind, count(*) from clauses where edition_id = 'ISO 99999:2020' group by kind"))
    assert kinds["table"] == 12 and kinds["clause"] == 1
    text = " ".join(r[0] for r in conn.execute(
        "select text from clauses where edition_id = 'ISO 99999:2020'"))
    source = original.read_text(encoding="utf-8")
    assert text.count("header text") == source.count("&th;")  # 24
    assert text.count("table cell text") == source.count("&td;")  # 70
    assert "&th;" not in text and "&td;" not in text


def test_text_entities_of_the_document_beside_named_characters_of_its_dtd(tmp_path):
    """The document's own entities are expanded (also inside attributes, markup and other
    entities, and a name it declares wins over the HTML one); the named characters of the
    external DTD it names, never read, are read as themselves."""
    path = tmp_path / "doc.sts.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE standard PUBLIC "-//NISO//DTD NISO STS v1.0//EN" '
        '"NISO-STS-interchange-1-0.dtd" [\n<!ENTITY org "ISO &amp; IEC">\n'
        '<!ENTITY scope "Scope of &org;&mdash;here">\n<!ENTITY nbsp "[nbsp]">\n'
        '<!ENTITY em "<italic>stressed</italic>">\n<!ELEMENT standard ANY>\n]>\n'
        "<standard><front><iso-meta><std-ref>ISO 1:2002</std-ref></iso-meta></front><body>"
        '<sec id="s1"><label>1</label><title>&scope;</title><p>By &org;&nbsp;&mdash; &em;.</p>'
        "</sec></body></standard>\n", encoding="utf-8")
    db = tmp_path / "kb.db"
    summary = load(db, path)
    assert summary.loaded == 1, summary.errors
    assert sqlite3.connect(db).execute(
        "select heading, text from clauses where edition_id = 'ISO 1:2002' and number = '1'"
    ).fetchone() == ("Scope of ISO & IEC\u2014here", "By ISO & IEC[nbsp]\u2014 stressed.")


def test_a_schema_1_database_gains_the_citations_table(tmp_path):
    db = tmp_path / "kb.db"
    load(db, corpus("sts", "rice-en.final.sts.xml"))
    conn = sqlite3.connect(db)
    conn.execute("drop table citations")
    conn.execute("update kb_meta set value = '1' where key = 'schema_version'")
    conn.commit()
    conn.close()
    rice = corpus("sts", "rice-en.final.sts.xml").read_bytes().replace(b"Cereals", b"Cereal")
    (tmp_path / "rice.xml").write_bytes(rice)
    assert load(db, tmp_path / "rice.xml").loaded == 1
    conn = sqlite3.connect(db)
    assert conn.execute("select count(*) from citations").fetchone()[0] > 5
    assert conn.execute("select value from kb_meta").fetchone() == (str(SCHEMA_VERSION),)


def test_a_placeholder_date_is_unknown_with_a_warning_not_a_refusal(tmp_path):
    """Publishers leave fields blank in their own words: <release-date>N/A</release-date>
    loads the document with the date unknown, and the load says where (file, line, field)."""
    from click.testing import CliRunner

    from kb.cli import main

    path = tmp_path / "doc.sts.xml"
    path.write_text(
        "<standard><front><iso-meta><std-ref>ISO 1:2002</std-ref>\n"
        "<release-date>N/A</release-date></iso-meta></front><body>"
        "<sec><label>1</label><title>Scope</title><p>Text.</p></sec></body></standard>",
        encoding="utf-8")
    yaml = tmp_path / "record.yaml"
    yaml.write_text("docid:\n- id: ISO 2:2003\n  type: ISO\n  primary: true\ndate:\n"
                    "- type: published\n  value: TBD\n", encoding="utf-8")
    db = tmp_path / "kb.db"
    result = CliRunner().invoke(main, ["load", "--db", str(db), "-q", str(path), str(yaml)])
    assert result.exit_code == 0, result.output
    assert "2 loaded, 0 unchanged, 0 failed, 2 warnings" in result.output
    assert f"{path}: line 2: <release-date>: placeholder 'N/A' recorded as unknown" \
        in result.output
    assert f"{yaml}: field 'date' (published): placeholder 'TBD' recorded as unknown" \
        in result.output
    conn = sqlite3.connect(db)
    assert conn.execute("select published from editions where id in ('ISO 1:2002', "
                        "'ISO 2:2003')").fetchall() == [(None,), (None,)]
    assert conn.execute("select count(*) from clauses where edition_id = 'ISO 1:2002'"
                        ).fetchone()[0] >= 1
    # a date that is wrong, not missing, still refuses the document, in one line
    yaml.write_text(yaml.read_text().replace("TBD", "2003-13-45"), encoding="utf-8")
    refused = CliRunner().invoke(main, ["load", "--db", str(db), "-q", str(yaml)])
    assert refused.exit_code == 1 and "impossible date '2003-13-45'" in refused.output


def test_unknown_elements_are_counted_and_undeclared_prefixes_forgiven(tmp_path):
    """A vendor's element and a TBX entry without its namespace declared: the document loads,
    the text is kept, and one warning each says what was forgiven."""
    path = tmp_path / "doc.sts.xml"
    path.write_text(
        "<standard><front><iso-meta><std-ref>ISO 1:2002</std-ref></iso-meta></front><body>\n"
        "<sec><label>1</label><title>Scope</title><p>Text <vendor-mark>kept</vendor-mark>."
        "<vendor-mark>again</vendor-mark></p><secc>typo</secc></sec>\n"
        "<term-sec><label>3.1</label><tbx:termEntry id='t1'><tbx:langSet xml:lang='en'>"
        "<tbx:definition>a thing</tbx:definition><tbx:tig><tbx:term>widget</tbx:term></tbx:tig>"
        "</tbx:langSet></tbx:termEntry></term-sec></body></standard>", encoding="utf-8")
    db = tmp_path / "kb.db"
    summary = load(db, path)
    assert summary.loaded == 1 and summary.failed == 0, summary.errors
    assert any("3 elements outside the STS tag set read as text only: <vendor-mark> ×2, "
               "<secc> ×1" in w for w in summary.warnings), summary.warnings
    assert any("line 3: 5 undeclared namespace prefixes read by their names" in w
               for w in summary.warnings), summary.warnings
    conn = sqlite3.connect(db)
    (text,) = conn.execute("select text from clauses where number = '1'").fetchone()
    assert "kept" in text and "again" in text and "typo" in text
    assert conn.execute("select count(*) from terms where preferred = 'widget'").fetchone()[0]
