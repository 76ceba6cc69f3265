"""Reference tables for print and for citation managers.

A reference table has one row per cited standard (:func:`kb.citations.reference_row`):
designation, title in the chosen language, year, status, stage, publication date, replaced
by, national adoption and degree.  :func:`export` writes it in one of :data:`FORMATS`:
tables (CSV, XLSX, Markdown, HTML, DOCX) and reference lists (GB/T 7714-2015 full or
simplified, ISO 690, BibTeX, CSL-JSON, RIS).  Text formats return ``str`` ending with a
newline (a CSV starts with a byte-order mark unless asked not to, so that Excel reads it as
UTF-8); XLSX and DOCX return ``bytes``.  Issuing bodies come from :mod:`kb.identifiers.issuers`.

What the rows carry (titles, designations, dates) is data read from sources nobody vouches
for, and each format escapes it for itself, so that it is shown as written and never acts:

* every format: control characters (C0 but tab and line breaks, C1, and what XML 1.0 cannot
  hold) are left out (:func:`kb.render.clean`);
* CSV and XLSX: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return (OWASP's list) is text, never a formula (:func:`spreadsheet_text`; XLSX cells are
  all written as strings, such a one with Excel's own quote prefix);
* Markdown: HTML and Markdown syntax are escaped (:func:`kb.render.md_escape`);
* HTML: escaped for text and attributes; DOCX: python-docx writes XML-escaped text;
* BibTeX: LaTeX's and BibTeX's special characters as commands (braces included, which
  BibTeX counts even after a backslash: :func:`bibtex_text`); RIS, GB/T 7714 and ISO 690
  text: one line per value (line breaks become spaces, :func:`one_line`); CSL-JSON is JSON.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
import sqlite3

from kb.bulletins import citations
from kb.identifiers import issuers
from kb.identifiers.designation import DesignationError, parse
from kb.render import clean, display_width, md_escape

__all__ = ["BINARY", "FORMATS", "LANGUAGES", "ExportError", "chosen_table", "editions_table",
           "export"]

FORMATS = ("csv", "xlsx", "md", "html", "docx", "gbt7714", "iso690", "bibtex", "csl-json",
           "ris")
BINARY = ("xlsx", "docx")
LANGUAGES = ("zh", "en")


class ExportError(ValueError):
    """An export that cannot be made (unknown format or language); one line."""


_COLUMNS = {  # key: (English, Chinese)
    "designation": ("Designation", "标准编号"),
    "title": ("Title", "标准名称"),
    "year": ("Year", "年份"),
    "status": ("Status", "状态"),
    "stage": ("Stage", "阶段"),
    "published": ("Published", "发布日期"),
    "replaced_by": ("Replaced by", "被代替情况"),
    "adoption": ("National adoption", "国家标准采用"),
    "degree": ("Degree", "一致性程度"),
}
_STATUS_ZH = {"current": "现行", "withdrawn": "废止", "replaced": "被代替", "draft": "草案",
              "upcoming": "即将实施", "abandoned": "终止", "confirmed": "确认"}
#: The byte-order mark a CSV starts with: Excel reads a file without one in the ANSI code page.
BOM = "\ufeff"


_LINE_BREAKS = re.compile(r"\s*[\r\n\v\f\x85\u2028\u2029]+\s*")
#: How a cell starts when a spreadsheet would read it as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def one_line(text: str) -> str:
    """``text`` cleaned, its line breaks (and the spaces around them) one space: a value of
    a line-based format (RIS, a reference list) cannot start a line of its own."""
    return _LINE_BREAKS.sub(" ", clean(text)).strip()


def spreadsheet_text(text: str) -> str:
    """A CSV cell that a spreadsheet shows as text: one that would start a formula gets a
    leading apostrophe, the mark Excel, LibreOffice and Google Sheets users know as "this
    is text" (OWASP's advice for CSV injection).  A reader of the plain file sees the
    apostrophe; a title that starts with ``=`` is rare, and being read as a formula
    (``=HYPERLINK(…)`` sending the sheet's cells away) is worse."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def editions_table(conn: sqlite3.Connection, ids: list[str]) -> list[dict]:
    """Reference-table rows for editions (any query result), sorted as for a bulletin."""
    rows = []
    for key in dict.fromkeys(ids):
        kind = "draft" if (d := _parse(key)) is not None and d.stage else "standard"
        resolved = citations.resolve_citation(conn, key, kind, exact=True)
        rows.append(citations.reference_row({**resolved, "canonical": key, "as_written": key}))
    return citations.sort_references(rows)


def chosen_table(conn: sqlite3.Connection, bulletin: str | None, committee: str | None = None,
                 works: tuple[str, ...] = (), designations: tuple[str, ...] = (),
                 status: str | None = None) -> tuple[list[dict], str]:
    """``kb export``'s rows and title: a bulletin's reference rows (of one status if given),
    or the editions chosen by committee, work, designation and status
    (:func:`kb.catalogue.queries.chosen_editions`)."""
    if bulletin:
        b = citations.bulletin(conn, bulletin)
        rows = citations.references(b)
        if status:
            rows = [r for r in rows if r["status"] == status]
        return rows, b["title"] or b["id"]
    from kb.catalogue import queries
    from kb.identifiers.designation import committee as committee_reference

    title = committee_reference(committee) if committee else "editions"
    return editions_table(conn, queries.chosen_editions(
        conn, committee, works, designations, status)), title


def _parse(designation: str):
    try:
        return parse(designation)
    except DesignationError:
        return None


def _cells(row: dict, lang: str) -> dict[str, str]:
    """A row's printed cells in a language."""
    title = (row["title_zh"] or row["title_en"]) if lang == "zh" else \
        (row["title_en"] or row["title_zh"])
    status = row["status"] or ""
    if lang == "zh":
        status = _STATUS_ZH.get(status, status)
    if status and row.get("status_inferred"):  # no source gives it: the rule's, said so
        status += "（推定）" if lang == "zh" else " (inferred)"
    if not row["known"]:
        status = "知识库中无此标准" if lang == "zh" else "not in the knowledge base"
    stage = row["stage"] or ""
    if lang == "en" and row["stage_label"]:  # 90.92 (International Standard to be revised)
        label = row["stage_label"]
        stage = label if label.startswith(stage) else f"{stage} ({label})"
    cells = {"designation": row["designation"], "title": title or "",
             "year": str(row["year"] or ""), "status": status, "stage": stage,
             "published": row["published"] or "", "replaced_by": row["replaced_by"] or "",
             "adoption": row["adoption"] or "", "degree": row["degree"] or ""}
    return {key: clean(value) for key, value in cells.items()}


def export(rows: list[dict], fmt: str, lang: str = "en", title: str = "",
           simplified: bool = False, bom: bool = True) -> str | bytes:
    """The reference table ``rows`` in format ``fmt`` and language ``lang``.

    ``title`` heads the table (the HTML page's title and heading, the Markdown heading, the
    sheet's name); ``simplified`` chooses GB/T 7714's short form; ``bom=False`` leaves out the
    CSV's byte-order mark.

    :raises ExportError: for an unknown format or language.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    if lang not in LANGUAGES:
        raise ExportError(f"unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
    headers = [_COLUMNS[k][lang == "zh"] for k in _COLUMNS]
    cells = [list(_cells(r, lang).values()) for r in rows]
    title = clean(title)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows([spreadsheet_text(c) for c in row] for row in cells)
        return (BOM if bom else "") + out.getvalue()
    if fmt == "md":
        return _markdown(headers, cells, title)
    if fmt == "html":
        return _html(headers, cells, title, lang)
    if fmt == "xlsx":
        return _xlsx(headers, cells, title)
    if fmt == "docx":
        return _docx(headers, cells, title)
    if fmt == "csl-json":
        return json.dumps([_csl(r, lang) for r in rows], ensure_ascii=False, indent=2) + "\n"
    render = {"gbt7714": lambda r, i: _gbt7714(r, i, simplified), "iso690": _iso690,
              "bibtex": _bibtex, "ris": _ris}[fmt]
    separator = "\n" if fmt in ("gbt7714", "iso690") else "\n\n"
    return separator.join(render(r, i) for i, r in enumerate(rows, 1)) + "\n"


# --- tables ----------------------------------------------------------------------------------


def _markdown(headers: list[str], cells: list[list[str]], title: str) -> str:
    """A CommonMark table (GitHub's extension) under a heading, every text escaped."""
    def line(values: list[str]) -> str:
        return "| " + " | ".join(md_escape(one_line(v)) for v in values) + " |"

    lines = [f"## {md_escape(one_line(title))}", ""] if one_line(title) else []
    lines += [line(headers), "|" + "|".join("---" for _ in headers) + "|"]
    lines += [line(row) for row in cells]
    return "\n".join(lines) + "\n"


_PRINT_CSS = """
body { font-family: "Noto Serif CJK SC", "Songti SC", SimSun, "Times New Roman", serif;
       font-size: 10.5pt; margin: 2em; color: #000; }
h1 { font-size: 14pt; margin: 0 0 .8em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #444; padding: 3pt 4pt; vertical-align: top; text-align: left; }
th { background: #eee; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
td:first-child { white-space: nowrap; }
.meta { color: #444; font-size: 9pt; margin-top: 1em; }
@page { size: A4 landscape; margin: 15mm 12mm; }
@media print { body { margin: 0; } th { background: #ddd !important;
               -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""


def _html(headers: list[str], cells: list[list[str]], title: str, lang: str) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
                     for row in cells)
    made = dt.date.today().isoformat()
    note = (f"{len(cells)} 项，生成于 {made}" if lang == "zh" else
            f"{len(cells)} rows, made {made}")
    return f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}">
<head><meta charset="utf-8"><title>{e(title or 'Reference table')}</title>
<style>{_PRINT_CSS}</style></head>
<body>
<h1>{e(title or ('标准引用一览表' if lang == 'zh' else 'Standards cited'))}</h1>
<table>
<thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody>
</table>
<p class="meta">{e(note)}</p>
</body>
</html>
"""


def _xlsx(headers: list[str], cells: list[list[str]], title: str) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    name = re.sub(r"[\[\]:*?/\\]", " ", one_line(title))[:31].strip(" '")  # Excel's rules
    sheet = workbook.add_worksheet(name or "References")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDDDDD", "border": 1,
                                "text_wrap": True, "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    # a cell that would start a formula: text with Excel's quote prefix (shown without it,
    # kept as text when edited)
    quoted = workbook.add_format({"text_wrap": True, "valign": "top", "quote_prefix": True})
    for column, header in enumerate(headers):
        sheet.write_string(0, column, header, bold)
    for i, row in enumerate(cells, 1):
        for column, value in enumerate(row):
            sheet.write_string(i, column, value,
                               quoted if value.startswith(FORMULA_STARTS) else wrap)
    for column, header in enumerate(headers):
        longest = max([display_width(header)] + [display_width(r[column]) for r in cells])
        sheet.set_column(column, column, min(max(longest + 2, 8), 60))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(cells), 1), len(headers) - 1)
    workbook.close()
    return out.getvalue()


def _docx(headers: list[str], cells: list[list[str]], title: str) -> bytes:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    document.styles["Normal"].font.size = Pt(9)
    if title:
        document.add_heading(title, level=1)
    table = document.add_table(rows=len(cells) + 1, cols=len(headers))
    table.style = "Table Grid"
    rows = table.rows
    for cell, header in zip(rows[0].cells, headers, strict=True):
        cell.paragraphs[0].add_run(header).bold = True
    for row, values in zip(rows[1:], cells, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.paragraphs[0].text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- reference lists -------------------------------------------------------------------------


def _org(row: dict, lang: str) -> tuple[str, str | None, str | None] | None:
    """(issuing body, place, publisher) of a row's designation, when the body is known
    (:mod:`kb.identifiers.issuers`); place and publisher are None where nobody is known to print
    it."""
    d = _parse(row["designation"])
    if d is None:
        return None
    found = issuers.issuer(d, _year(row), lang)
    return (found.body, found.place, found.publisher) if found else None


def _year(row: dict) -> int | None:
    year = row["year"] or (row["published"] or "")[:4]
    return int(year) if str(year).isdigit() else None


def _title(row: dict, lang: str) -> str:
    """A row's title in a language, on one line."""
    return one_line(((row["title_zh"] or row["title_en"]) if lang == "zh" else
                     (row["title_en"] or row["title_zh"])) or "")


def _gb_number(designation: str) -> str:
    """A Chinese designation as GB/T 7714 prints it: ``GB/T 19011—2013`` (an em dash before
    the year); others as they are."""
    d = _parse(designation)
    if d is None or not (d.scheme.startswith("cn-") or d.publisher in ("JJF", "JJG")):
        return designation
    return re.sub(r"-(\d{4})$", r"—\1", designation)


def _gbt7714(row: dict, number: int, simplified: bool) -> str:
    """GB/T 7714-2015, standards ([S]): ``[n] 主要责任者. 标准名称: 标准编号[S]. 出版地: 出版者,
    出版年.``, or the simplified form ``[n] 标准编号 标准名称[S].``.  A part that is not known
    is left out (no body: no ``主要责任者.``; nobody known to print it: no ``出版地: 出版者``)."""
    designation = one_line(_gb_number(row["designation"]))
    title = _title(row, "zh")
    if simplified:
        return f"[{number}] {designation}" + (f" {title}" if title else "") + "[S]."
    org = _org(row, "zh")
    year = _year(row)
    entry = f"[{number}] " + (f"{org[0]}. " if org else "")
    entry += (f"{title}: " if title else "") + f"{designation}[S]."
    if org and org[2]:
        return entry + f" {org[1]}: {org[2]}" + (f", {year}." if year else ".")
    return entry + (f" {year}." if year else "")


def _iso690(row: dict, number: int) -> str:
    """ISO 690 for a standard, in English."""
    org = _org(row, "en")
    title = _title(row, "en")
    year = _year(row)
    designation = one_line(row["designation"])
    parts = [f"{org[0].upper()}." if org else "", f"{designation}. {title}."
             if title else f"{designation}."]
    if org and org[2]:
        parts.append(f"{org[1]}: {org[2]}" + (f", {year}." if year else "."))
    elif year:
        parts.append(f"{year}.")
    return f"[{number}] " + " ".join(p for p in parts if p)


def _key(designation: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "", designation.replace(":", "_").replace("-", "_")
                  .replace(" ", "")).lower() or "standard"


def _bibtex(row: dict, number: int) -> str:
    org = _org(row, "en")
    fields = {
        "title": _title(row, "en"), "number": row["designation"], "type": "Standard",
        "institution": org[0] if org else None, "address": org[1] if org else None,
        "year": str(row["year"]) if row["year"] else None,
        "note": row["status"] and f"Status: {row['status']}",
    }
    body = ",\n".join(f"  {k} = {{{bibtex_text(v)}}}" for k, v in fields.items() if v)
    return f"@techreport{{{_key(row['designation'])},\n{body}\n}}"


#: LaTeX's special characters, each as the command that prints it.  Braces are commands, not
#: ``\{``: BibTeX and biber count braces even after a backslash, so an escaped ``}`` would
#: still close the field (and let a title write fields of its own).
_LATEX = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
          "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
          "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_LATEX_SPECIAL = re.compile("[" + re.escape("".join(_LATEX)) + "]")


def bibtex_text(text: str) -> str:
    """A value for a braced BibTeX field: on one line, LaTeX's special characters printed
    as themselves, the braces of the field balanced whatever the value holds."""
    return _LATEX_SPECIAL.sub(lambda m: _LATEX[m.group()], one_line(text))


def _csl(row: dict, lang: str) -> dict:
    org = _org(row, lang)
    item = {"id": _key(row["designation"]), "type": "standard",
            "title": _title(row, lang), "number": row["designation"],
            "language": "zh-CN" if lang == "zh" else "en"}
    if org:
        item["authority"] = org[0]
        if org[2]:
            item.update(publisher=org[2], **{"publisher-place": org[1]})
    if row["published"] or row["year"]:
        date = row["published"] or str(row["year"])
        item["issued"] = {"date-parts": [[int(p) for p in date.split("-")]]}
    if row["status"]:
        item["status"] = row["status"]
    return item


def _ris(row: dict, number: int) -> str:
    """A RIS record: one ``TAG  - value`` line each, every value on one line."""
    org = _org(row, "en")
    lines = ["TY  - STAND", f"TI  - {_title(row, 'en')}", f"M1  - {row['designation']}"]
    if org:
        lines.append(f"A2  - {org[0]}")
    if org and org[2]:
        lines += [f"PB  - {org[2]}", f"CY  - {org[1]}"]
    if row["year"]:
        lines.append(f"PY  - {row['year']}")
    if row["published"]:
        lines.append(f"DA  - {row['published'].replace('-', '/')}")
    if row["status"]:
        lines.append(f"N1  - Status: {row['status']}")
    lines.append("ER  - ")
    return "\n".join(lines[:1] + [line[:6] + one_line(line[6:]) for line in lines[1:-1]]
                     + lines[-1:])
