"""Hostile inputs, generated where they are too big to keep: shared by tests/test_hostile.py
and the benchmarks (benchmarks/hostile.py).  Each generator writes into a folder and returns
the path; nothing here is a fixture of real data."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

#: SQL a visitor may send to the served database; each must end in an error or a bounded
#: answer, with the server's memory bounded and other requests answering.
HOSTILE_SQL = {
    "randomblob 1 GB": "select randomblob(1000000000)",
    "zeroblob 1 GB": "select zeroblob(1000000000)",
    "printf 1 GB": "select printf('%.*c', 1000000000, 'x')",
    "replace growth": "select replace(hex(zeroblob(400000)), '0', 'aaaaaaaa')",
    "endless recursive CTE": "with recursive r(i) as (select 1 union all select i + 1 from r) "
                             "select count(*) from r",
    "group_concat of 10^8 rows": "with recursive r(i) as (select 1 union all select i + 1 "
                                 "from r limit 100000000) select group_concat(i) from r",
    "cross join count": "select count(*) from editions a, editions b, editions c, editions d",
    "cross join sorted": "select a.id, b.id from editions a, editions b, editions c "
                         "order by random()",
    "wide blobs x 1001 rows": "with recursive r(i) as (select 1 union all select i + 1 from r "
                              "limit 1001) select " + ", ".join(
                                  ["randomblob(900000)"] * 16) + " from r",
    "many columns": "select " + ", ".join(["1"] * 2000),
    "deep expression": "select " + "(" * 1200 + "1" + ")" * 1200,
    "attach": "attach database '/tmp/kb-hostile.db' as x",
    "pragma": "pragma writable_schema = 1",
    "load_extension": "select load_extension('/usr/lib/x86_64-linux-gnu/libm.so.6')",
    "long LIKE pattern": "select count(*) from editions where id like '" + "%a" * 2000 + "'",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    """The peak resident memory of a process (VmHWM), in MB."""
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", text).group(1)) / 1024


def rss_mb(pid: int) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", text).group(1)) / 1024


def children(pid: int) -> list[int]:
    """Child process ids of ``pid`` (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        path = task / "children"
        if path.exists():
            found += [int(c) for c in path.read_text().split()]
    return found


class Server:
    """``kb serve`` on a free loopback port, for the length of a ``with`` block."""

    def __init__(self, db: Path, *extra: str) -> None:
        self.db, self.extra, self.port = db, extra, free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kb.cli", "serve", "--db", str(self.db), "--port",
             str(self.port), *self.extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.get("/-/versions.json", timeout=2)
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.process.poll() is not None:
                    raise RuntimeError(self.process.stderr.read().decode()) from None
                time.sleep(0.2)
        raise RuntimeError("kb serve did not answer in 60 s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    @property
    def server_pid(self) -> int:
        """The process that answers requests (Datasette under ``kb serve``)."""
        kids = children(self.process.pid)
        return kids[0] if kids else self.process.pid

    def get(self, path: str, timeout: float = 30) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}",
                                        timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def sql(self, sql: str, timeout: float = 60) -> tuple[int, bytes]:
        return self.get(f"/{self.db.stem}.json?" + urllib.parse.urlencode({"sql": sql}),
                        timeout)


def attack(server: Server, sql: str, probe: str = "/-/standards/ISO%2019011") -> dict:
    """Run one hostile query while a second client keeps asking ``probe``: the query's
    status and seconds, the probe's answers (ok / failed, slowest), the server's peak RSS."""
    stop = threading.Event()
    probes: list[tuple[int, float]] = []

    def keep_asking() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                status, _ = server.get(probe, timeout=30)
            except Exception:  # noqa: BLE001 - a failed probe is what we count
                status = 0
            probes.append((status, time.monotonic() - started))
            time.sleep(0.05)

    thread = threading.Thread(target=keep_asking)
    thread.start()
    started = time.monotonic()
    try:
        status, body = server.sql(sql)
    except Exception as error:  # noqa: BLE001
        status, body = 0, str(error).encode()
    seconds = time.monotonic() - started
    time.sleep(0.3)
    stop.set()
    thread.join()
    return {"status": status, "seconds": seconds, "bytes": len(body),
            "probes_ok": sum(1 for s, _ in probes if s == 200),
            "probes_failed": sum(1 for s, _ in probes if s != 200),
            "slowest_probe": max((t for _, t in probes), default=0.0),
            "peak_rss_mb": peak_rss_mb(server.server_pid)}


def docx_bomb(folder: Path, inflated: int = 1 << 30, lie: bool = False) -> Path:
    """A .docx whose word/document.xml inflates to ``inflated`` bytes (about 1 000 : 1);
    with ``lie`` its directory claims 1 000 bytes."""
    path = folder / ("lying-bomb.docx" if lie else "bomb.docx")
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
             '.org/package/2006/content-types"><Default Extension="rels" ContentType="applicat'
             'ion/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" Conte'
             'ntType="application/xml"/><Override PartName="/word/document.xml" ContentType="a'
             'pplication/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"'
             '/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openx'
            'mlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://sc'
            'hemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target'
            '="word/document.xml"/></Relationships>')
    head = (b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            b'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>')
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        with archive.open("word/document.xml", "w") as member:
            member.write(head)
            chunk = b" " * (1 << 22)
            for _ in range(inflated // len(chunk)):
                member.write(chunk)
            member.write(tail)
    if lie:
        data = bytearray(path.read_bytes())
        size = inflated // (1 << 22) * (1 << 22) + len(head) + len(tail)
        real = size.to_bytes(4, "little")
        for at in [m.start() for m in re.finditer(re.escape(real), bytes(data))]:
            data[at:at + 4] = (1000).to_bytes(4, "little")  # local header and directory
        path.write_bytes(bytes(data))
    return path


def yaml_bomb(folder: Path, kind: str = "catalogue", levels: int = 9) -> Path:
    """A YAML file whose aliases expand 9^levels times (a "billion laughs")."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    top = f"*a{levels - 1}"
    if kind == "catalogue":
        lines.append(f"works:\n  - work: ISO 1\n    editions:\n      - designation: ISO 1:2000\n"
                     f"        ics: {top}")
    else:
        lines.append(f"docid:\n- id: ISO 1:2000\n  type: ISO\n  primary: true\ntitle: {top}")
    path = folder / f"yaml-bomb-{kind}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def xml_bomb(folder: Path, kind: str = "sts", levels: int = 10) -> Path:
    """An XML file whose internal DTD subset declares entities expanding 10^levels times
    (the "billion laughs"), as an STS document or a Relaton item."""
    entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "lol"}">\n'
                       for i in range(levels))
    top = f"&lol{levels - 1};"
    if kind == "sts":
        body = ("<standard><front><iso-meta><std-ref>ISO 1:2000</std-ref></iso-meta></front>"
                f"<body><sec><label>1</label><title>Scope</title><p>{top}</p></sec></body>"
                "</standard>")
    else:
        body = (f'<bibdata><docidentifier primary="true">ISO 1:2000</docidentifier>'
                f'<title language="en" type="main">{top}</title></bibdata>')
    root = body[1:body.index(">")]
    path = folder / f"xml-bomb-{kind}.xml"
    path.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n{entities}]>\n{body}\n',
                    encoding="utf-8")
    return path


def hot_journal(db: Path) -> None:
    """Leave ``db`` as a load killed mid-transaction would: changed pages on disk and a hot
    journal beside it (a child process writes with a tiny cache, then kills itself)."""
    code = (
        "import os, sqlite3\n"
        f"conn = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
        "conn.execute('pragma cache_size = 5')\n"
        "conn.execute('begin')\n"
        "conn.execute(\"update editions set title_en = coalesce(title_en, '') || ' CHANGED'\")\n"
        "os.kill(os.getpid(), 9)\n")
    subprocess.run([sys.executable, "-c", code], check=False)


def pdf(folder: Path, content: bytes, name: str = "doc.pdf", compress: bool = False) -> Path:
    """A one-page PDF whose page content stream is ``content`` (Helvetica as /F1), with a
    correct cross-reference table; ``compress`` stores the stream FlateDecode."""
    import zlib

    stream = zlib.compress(content, 9) if compress else content
    flate = b"/Filter/FlateDecode" if compress else b""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length " + str(len(stream)).encode() + flate + b">>stream\n" + stream
        + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    path = folder / name
    path.write_bytes(bytes(out))
    return path


def pdf_text(folder: Path, text: str) -> Path:
    """A PDF whose one page says ``text`` (ASCII)."""
    return pdf(folder, b"BT /F1 12 Tf 72 712 Td (" + text.encode() + b") Tj ET")


def pdf_bomb(folder: Path, inflated: int = 1 << 30) -> Path:
    """A PDF whose page content inflates to ``inflated`` bytes (about 1 000 : 1)."""
    import zlib

    compressor = zlib.compressobj(9)
    chunk = b" " * (1 << 22)
    stream = b"".join(compressor.compress(chunk) for _ in range(inflated // len(chunk)))
    stream += compressor.flush()
    path = pdf(folder, b"", name="pdf-bomb.pdf")
    data = path.read_bytes()  # put the compressed stream in place of the empty one
    data = data.replace(b"<</Length 0>>stream\n\nendstream",
                        b"<</Length " + str(len(stream)).encode() + b"/Filter/FlateDecode>>"
                        b"stream\n" + stream + b"\nendstream")
    path.write_bytes(data)  # offsets are now wrong: pdfminer rebuilds the table by scanning
    return path


#: Text that is active syntax in one output format or another: HTML, Markdown, a
#: spreadsheet formula, LaTeX/BibTeX, line-based formats (RIS, reference lists), control
#: characters.  Each becomes an edition's title in :func:`hostile_sources`.
ACTIVE_TEXT = {
    "html": "<script>alert(1)</script> 通知",
    "attribute": "\"><img src=x onerror=alert(2)> 'quoted'",
    "markdown": "**bold** _em_ [link](javascript:alert(3)) ![img](http://127.0.0.1:9/x.png) "
                "`code` ~~gone~~ <b>b</b> &amp; &#60; <http://127.0.0.1:9/> # hash | pipe \\",
    "formula": "=HYPERLINK(\"http://127.0.0.1:9/?\"&A1,\"click\")",
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3",
    "at": "@SUM(A1:A2)",
    "latex": "x}, author = {evil}, note = {\\input{/etc/passwd} $x^2$ ~ % # _ & {",
    "lines": "first\nER  - \nTY  - JOUR\nTI  - injected\n[2] injected reference",
    "control": "bell\x07 escape\x1b[31m red\x0b tab\tend",
}
#: The bulletin's title (its first line), a work of each text of :data:`ACTIVE_TEXT`.
HOSTILE_BULLETIN_TITLE = ACTIVE_TEXT["html"]
HOSTILE_STS = "ISO 99020:2020"


def hostile_designation(index: int) -> str:
    return f"ISO {99001 + index}:2020"


def hostile_sources(folder: Path) -> list[Path]:
    """A catalogue whose editions are titled with :data:`ACTIVE_TEXT`, a bulletin citing them
    all, titled and written with active text, and an STS document whose title, headings,
    text and terms carry it too."""
    from xml.sax.saxutils import escape

    import yaml

    works = [{"work": hostile_designation(i).split(":")[0],
              "title": {"en": text, "zh": text},
              "editions": [{"designation": hostile_designation(i), "status": "current",
                            "published": "2020-01-15"}]}
             for i, text in enumerate(ACTIVE_TEXT.values())]
    catalogue = folder / "hostile.yaml"
    catalogue.write_text(yaml.safe_dump({"source": "hostile test catalogue", "works": works},
                                        allow_unicode=True), encoding="utf-8")
    bulletin = folder / "hostile-bulletin.txt"
    lines = [HOSTILE_BULLETIN_TITLE, ""]
    lines += [f"第{i + 1}条 {text.splitlines()[0]} 引用 {hostile_designation(i)} 和 "
              "<img src=x onerror=alert(4)> [x](javascript:alert(5)) =1+1。"
              for i, text in enumerate(ACTIVE_TEXT.values())]
    bulletin.write_text("\n".join(lines) + "\n", encoding="utf-8")
    line = escape(ACTIVE_TEXT["markdown"] + " " + ACTIVE_TEXT["attribute"])
    sts = folder / "hostile.sts.xml"
    sts.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<standard xmlns:tbx="urn:iso:std:iso:30042:ed-1">'
        f"<front><iso-meta><title-wrap xml:lang=\"en\"><full>{escape(ACTIVE_TEXT['html'])}"
        f"</full></title-wrap><std-ref>{HOSTILE_STS}</std-ref></iso-meta></front><body>"
        f'<sec id="s1"><label>1</label><title>{escape(ACTIVE_TEXT["html"])}</title>'
        f"<p>{line} alert</p></sec>"
        f'<sec id="s3"><label>3</label><title>Terms</title><term-sec id="t1"><label>3.1</label>'
        f'<tbx:termEntry id="te1"><tbx:langSet xml:lang="en"><tbx:definition>{line}'
        f"</tbx:definition><tbx:tig><tbx:term>alert term {escape(ACTIVE_TEXT['html'])}"
        "</tbx:term></tbx:tig></tbx:langSet></tbx:termEntry></term-sec></sec>"
        "</body></standard>\n", encoding="utf-8")
    return [catalogue, sts, bulletin]


# --- storage faults (tests/test_faults.py) ---------------------------------------------------


def damage(db: Path, table: str | None = None) -> int:
    """Overwrite one page of ``db`` with garbage, as a failing disk or a stray write would:
    the root page of ``table`` (an index's name works too), or, with none, page 1 after its
    100-byte header (the schema: every table is lost to SQLite).  Returns the page."""
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        size = conn.execute("pragma page_size").fetchone()[0]
        page = conn.execute("select rootpage from sqlite_master where name = ?",
                            (table,)).fetchone()[0] if table else 1
    finally:
        conn.close()
    start = 100 if page == 1 else 0
    with open(db, "r+b") as handle:
        handle.seek((page - 1) * size + start)
        handle.write(b"\xa5" * (size - start))
    return page


#: Runs ``argv`` (after ``--``) inside a tmpfs of ``size`` bytes mounted at ``folder``,
#: with ``files`` copied in first and the mount made read-only if asked; prints, as JSON,
#: the exit code, the output and a digest of the copied database before and after.
_IN_TMPFS = r"""
import json, shutil, subprocess, sys
from pathlib import Path
from tests.conftest import dump_digest
folder, size, readonly, db, *rest = sys.argv[1:]
cut = rest.index("--")
files, argv = rest[:cut], rest[cut + 1:]
mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "kbfault", folder],
                         capture_output=True, text=True)
if mounted.returncode:
    print(json.dumps({"skip": mounted.stderr.strip()}))
    sys.exit(0)
for name in files:
    source = Path(name)
    if source.is_dir():
        shutil.copytree(source, Path(folder) / source.name)
    else:
        shutil.copy2(source, folder)
if readonly == "1":
    subprocess.run(["mount", "-o", "remount,ro", folder], check=True)
before = dump_digest(Path(db)) if Path(db).exists() else None
done = subprocess.run(argv, capture_output=True, text=True)
after = dump_digest(Path(db)) if Path(db).exists() else None
print(json.dumps({"code": done.returncode, "output": done.stderr + done.stdout,
                  "before": before, "after": after,
                  "left": sorted(p.name for p in Path(folder).iterdir())}))
"""


def in_tmpfs(folder: Path, size: int, files: list[Path], db: Path, argv: list[str],
             readonly: bool = False) -> dict:
    """Run ``argv`` with ``folder`` a tmpfs of ``size`` bytes holding copies of ``files``
    (read-only if asked), in a mount namespace of its own, so that the mount can never
    outlive the run (nothing to unmount, whatever happens).  Returns the exit ``code``, the
    ``output``, the ``before`` and ``after`` digests of ``db`` and the files ``left`` in the
    folder, or ``{"skip": reason}`` when no tmpfs can be mounted here."""
    import json
    import shutil

    from tests.conftest import ROOT

    unshare = shutil.which("unshare")
    if unshare is None:
        return {"skip": "no unshare(1) to make a mount namespace"}
    folder.mkdir(parents=True, exist_ok=True)
    namespace = [unshare, "--mount", "--propagation", "private"]
    if os.geteuid() != 0:  # an unprivileged user may mount in a user namespace of its own
        namespace[1:1] = ["--user", "--map-root-user"]
    done = subprocess.run(
        [*namespace, sys.executable, "-c", _IN_TMPFS, str(folder), str(size),
         "1" if readonly else "0", str(db), *map(str, files), "--", *argv],
        capture_output=True, text=True, cwd=ROOT)
    if done.returncode and done.stderr.startswith("unshare:"):  # no namespace here
        return {"skip": " ".join(done.stderr.split())[:300]}
    if done.returncode:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout)


def catalogue(folder: Path, editions: int, name: str = "many.yaml") -> Path:
    """A catalogue file of ``editions`` made-up editions (ISO 90001 … ), each with titles in
    two languages: a load large enough to fill a small disk."""
    lines = ["source: generated for a storage-fault test", "works:"]
    for n in range(90_001, 90_001 + editions):
        lines += [f"  - work: ISO {n}",
                  f"    title: {{en: Generated work number {n} for a full disk, "
                  f"zh: 生成的第{n}号作品}}",
                  "    editions:",
                  f"      - designation: ISO {n}:2020",
                  "        status: current",
                  "        published: 2020-01-01"]
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
