"""The only writer of the knowledge base (its tables: :mod:`kb.catalogue.schema`).

Loaders hand the store :class:`kb.catalogue.model.Document` objects; the store parses nothing
itself but
turns records into rows with sqlite-utils, keyed by canonical designation:

* one transaction (a savepoint inside a batch) per source document: a document that fails
  leaves no row behind, and earlier documents are kept;
* a document already loaded (same content hash, same loader) is skipped: loading the same file
  twice changes nothing;
* a record merges into what is stored: a field the source does not give keeps its value.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils
import yaml

from kb.catalogue import facts, schema, storage
from kb.catalogue.model import (
    ADOPTION_DEGREES,
    RELATION_TYPES,
    Article,
    Bulletin,
    BulletinMention,
    Citation,
    Clause,
    Committee,
    Document,
    Edition,
    IcsField,
    LoadError,
    LoadWarning,
    Provenance,
    Relation,
    Skipped,
    StageEvent,
    Term,
    Work,
    check_date,
)
from kb.catalogue.schema import SCHEMA_VERSION
from kb.identifiers import stages
from kb.identifiers.designation import DesignationError, parse
from kb.wording import count

__all__ = ["LoadSummary", "Store", "SCHEMA_VERSION"]


#: Errors that mean "this document is bad", reported in one line; anything else is a bug.
DOCUMENT_ERRORS = (
    LoadError, DesignationError, stages.StageError, ValueError, KeyError, TypeError,
    yaml.YAMLError, UnicodeDecodeError, OSError,
)

_FLUSH_ROWS = 20_000  # rows buffered before they are written
_COMMIT_DOCUMENTS = 2_000  # documents per flush, at most
#: Seconds between commits of a long load: each commit syncs the file (~0.1 s on a large
#: database), and a load killed in between loses at most this much work.
_COMMIT_SECONDS = 10.0
#: Editions whose facts are derived together, at most (and then committed): bounds the
#: memory of one derivation.
_DERIVE_EDITIONS = 20_000
#: The collector's thresholds while loading: the default (700 allocations) walks the
#: hundreds of thousands of live claims over and over; measured on both Relaton bulk
#: archives, 68 s -> 48 s.
_GC_THRESHOLD = (50_000, 20, 1000)


@dataclass
class LoadSummary:
    """What a load did: counts of documents and the one-line errors of those that failed."""

    loaded: int = 0
    unchanged: int = 0
    failed: int = 0
    records: int = 0
    errors: list[str] = field(default_factory=list)
    #: what the rules refused or changed, one line each (not failures)
    warnings: list[str] = field(default_factory=list)
    #: documents that are not ones the knowledge base keeps, by reason (not failures)
    skipped: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        skipped = sum(self.skipped.values())
        return (
            f"{self.loaded} loaded, {self.unchanged} unchanged, "
            + (f"{skipped} skipped, " if skipped else "")
            + f"{self.failed} failed"
            + (f", {count(len(self.warnings), 'warning')}" if self.warnings else "")
            + f" ({count(self.records, 'record')})"
        )


def _json(values: Iterable[str]) -> str | None:
    values = list(values)
    return json.dumps(values, ensure_ascii=False) if values else None


class _Buffer:
    """Rows waiting to be written, merged by primary key."""

    TABLES = ("works", "editions", "claims", "ics", "committees", "clauses", "terms",
              "citations", "bulletins", "articles", "mentions", "sources")

    def __init__(self) -> None:
        self.rows: dict[str, dict[tuple, dict]] = {t: {} for t in self.TABLES}
        # what a document gives whole, so its stored rows go first: ("text", edition,
        # language) for clause text, ("bulletin", id) for a bulletin's articles and mentions
        self.replaced: set[tuple[str, ...]] = set()
        self.done: set[tuple[str, ...]] = set()  # ... whose stored rows this buffer deleted
        #: (loader, path, source id): a new version of a file whose older versions' claims go
        self.supersede: list[tuple[str, str, int]] = []
        self.revived: list[int] = []  # superseded sources a file's restored content reuses
        self._size = 0

    def add(self, table: str, key: tuple, row: dict) -> None:
        existing = self.rows[table].get(key)
        if existing is None:
            self.rows[table][key] = row
            self._size += 1
        else:
            existing.update({k: v for k, v in row.items() if v is not None})

    def size(self) -> int:
        return self._size

    def merge(self, other: _Buffer) -> None:
        self.replaced |= other.replaced
        self.supersede += other.supersede
        self.revived += other.revived
        for table, rows in other.rows.items():
            for key, row in rows.items():
                self.add(table, key, row)

    def clear(self) -> None:
        for rows in self.rows.values():
            rows.clear()
        self.replaced.clear()
        self.supersede.clear()
        self.revived.clear()
        self._size = 0


class Store:
    """The knowledge base file, opened for reading and writing."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._texts: set[tuple[str, str]] = set()  # the document being read
        self._pending: set[tuple[str, str]] = set()  # written, not yet indexed
        self._touched: set[str] = set()  # editions whose claims changed, not yet derived
        self._summary = LoadSummary()
        self._provenance = Provenance()  # of the document being read
        self._columns: dict[str, tuple[str, ...]] = {}  # each table's, for writing rows
        self._source_high: int | None = None  # the highest source id given out
        self._any_superseded: bool | None = None  # whether any source was superseded
        conn = storage.connect(self.path, isolation_level=None)  # waits BUSY_SECONDS
        self.db = sqlite_utils.Database(conn)
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.execute("PRAGMA cache_size = -100000")
        self.db.execute("PRAGMA temp_store = MEMORY")
        schema.ensure(self.db)

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def close(self) -> None:
        self.db.close()

    # --- loading ---------------------------------------------------------------------------
    def loaded_hashes(self, loader: str, loader_version: int = 1) -> set[str]:
        """The content hashes of the documents this loader (in this version or a later one)
        has loaded: a loader that reads ahead need not parse them again."""
        return {r[0] for r in self.conn.execute(
            "select sha256 from sources where loader = ? and loader_version >= ? "
            "and superseded_by is null", (loader, loader_version))}

    def is_loaded(self, sha256: str, loader: str, loader_version: int = 1) -> bool:
        """True if a document with this content was already loaded by this loader (in this
        version or a later one)."""
        row = self.conn.execute(
            "select 1 from sources where sha256 = ? and loader = ? and loader_version >= ? "
            "and superseded_by is null", (sha256, loader, loader_version)).fetchone()
        return row is not None

    def load(
        self,
        documents: Iterable[Document],
        progress: Callable[[Document, str], None] | None = None,
        on_records: Callable[[int], None] | None = None,
        fill_fts: bool = True,
    ) -> LoadSummary:
        """Load documents, each atomically; return what happened.

        :param documents: documents from a loader (see :mod:`loaders`).
        :param progress: called after each document with its outcome
            (``loaded``, ``unchanged`` or ``failed``).
        :param on_records: called with a count every 1 000 records read, so a long single
            document shows progress too.
        :param fill_fts: move the clauses analysed into FTS5 once committed
            (:func:`kb.text.search.drain_fts`); false leaves that to the caller, who may bring the
            tantivy index up to date first (``kb load`` does).
        """
        self._on_records = on_records
        summary = self._summary = LoadSummary()
        self._pending.clear()
        self._touched.clear()
        buffer = _Buffer()
        seen: set[tuple[str, str, int]] = set()
        in_batch = 0
        committed = time.monotonic()
        collector = gc.get_threshold()
        gc.set_threshold(*_GC_THRESHOLD)
        # IMMEDIATE: the write lock first, waiting for another writer as long as the busy
        # time-out allows (a read lock upgraded later gets "locked" at once, without waiting)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for document in documents:
                outcome = self._load_one(document, buffer, seen, summary)
                in_batch += 1
                if buffer.size() >= _FLUSH_ROWS or in_batch >= _COMMIT_DOCUMENTS:
                    self._flush(buffer)
                    buffer.done.clear()
                    in_batch = 0
                    if (time.monotonic() - committed >= _COMMIT_SECONDS
                            or len(self._touched) >= _DERIVE_EDITIONS):
                        # derived once per transaction: an edition touched by many flushes,
                        # and what it replaces, is derived once
                        self._refresh_statistics()
                        self._derive()
                        self._index_pending()
                        self.db.execute("COMMIT")
                        self.db.execute("BEGIN IMMEDIATE")
                        committed = time.monotonic()
                if progress:
                    progress(document, outcome)
            self._flush(buffer)
            self._derive()
            self._index_pending()
            self.db.execute("COMMIT")
            if summary.loaded:  # a load that changed nothing writes nothing
                self._refresh_statistics()
            if fill_fts:
                from kb.text import search

                search.drain_fts(self.conn)
        except BaseException:
            if self.conn.in_transaction:
                self.db.execute("ROLLBACK")
            self._source_high = self._any_superseded = None  # as the database says again
            raise
        finally:
            gc.set_threshold(*collector)
        return summary

    def _load_one(self, document: Document, batch: _Buffer, seen: set, summary: LoadSummary):
        key = (document.sha256, document.loader, document.loader_version)
        if key in seen or self.is_loaded(*key):
            summary.unchanged += 1
            return "unchanged"
        own = _Buffer()  # this document's rows, kept apart until it has parsed completely
        warnings: list[str] = []  # what the loader forgave, reported if the document loads
        self._texts = set()
        self._provenance = Provenance()
        savepoint = False
        count = 0
        # a file back at a content it had before (edited, then restored): that source again
        revived = self.conn.execute(
            "select id from sources where sha256 = ? and loader = ? and loader_version = ? "
            "and superseded_by is not null", key).fetchone() if self._superseded else None
        source_id = revived[0] if revived else self._next_source_id(batch)
        try:
            for record in document.records():
                if isinstance(record, Skipped):  # a document it does not keep: nothing else
                    summary.skipped[record.reason] = summary.skipped.get(record.reason, 0) + 1
                    return "skipped"
                if isinstance(record, LoadWarning):
                    warnings.append(_one_line(document.name, ValueError(record.message)))
                    continue
                self._add(record, own, source_id)
                count += 1
                if count % 1000 == 0 and self._on_records:
                    self._on_records(1000)
                if own.size() >= _FLUSH_ROWS:  # a large document: write it in a savepoint
                    if not savepoint:
                        self._flush(batch)
                        batch.done.clear()
                        self.db.execute("SAVEPOINT kb_document")
                        savepoint = True
                    self._flush(own)  # derived once the document is whole (its source row)
            if savepoint:
                self._flush(own)
        except DOCUMENT_ERRORS as error:
            if savepoint:
                self.db.execute("ROLLBACK TO SAVEPOINT kb_document")
                self.db.execute("RELEASE SAVEPOINT kb_document")
            summary.failed += 1
            summary.errors.append(_one_line(document.name, error))
            return "failed"
        if savepoint:
            self.db.execute("RELEASE SAVEPOINT kb_document")
        if self._on_records:
            self._on_records(count % 1000)
        batch.merge(own)
        summary.warnings.extend(warnings)
        self._pending |= self._texts
        batch.add("sources", (source_id,), {
            "id": source_id, "path": document.name, "sha256": document.sha256,
            "loader": document.loader, "loader_version": document.loader_version,
            "records": count, "origin": self._provenance.origin, "said": self._provenance.said,
            "loaded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        })
        batch.supersede.append((document.loader, document.name, source_id))
        if revived:
            batch.revived.append(source_id)
        seen.add(key)
        summary.loaded += 1
        summary.records += count
        return "loaded"

    def _derive(self) -> None:
        """Derive the facts of the editions whose claims this transaction changed."""
        if self._touched:
            facts.REFUSED.clear()
            touched = sorted(self._touched)
            for i in range(0, len(touched), _DERIVE_EDITIONS):  # a large document: in slices
                facts.derive(self.conn, touched[i:i + _DERIVE_EDITIONS])
            self._summary.warnings.extend(
                f"replacement cycle refused (each claims to replace the other): {cycle}"
                for cycle in sorted(facts.REFUSED) if cycle not in self._summary.warnings)
            self._touched.clear()

    def _refresh_statistics(self) -> None:
        """Statistics for the query planner, sampled (a few milliseconds on a million claims).
        With none, joins on editions may start from the status index and visit every row;
        with those of a small knowledge base, lists of keys scan whole tables once they have
        grown (a bulk load after `kb build` took twice as long)."""
        self.db.execute("PRAGMA analysis_limit = 1000")
        self.db.execute("ANALYZE")

    def _index_pending(self) -> None:
        """Index the texts and titles written in this transaction before it commits
        (kb.text.search)."""
        from kb.text import search

        if self._pending:
            search.index_texts(self.conn, self._pending)
            self._pending.clear()
        search.sync_titles(self.conn)

    @property
    def _superseded(self) -> bool:
        """Whether any source was superseded (asked once; true after this store supersedes)."""
        if self._any_superseded is None:
            self._any_superseded = self.conn.execute(
                "select 1 from sources where superseded_by is not null limit 1").fetchone() \
                is not None
        return self._any_superseded

    def _next_source_id(self, buffer: _Buffer) -> int:
        if self._source_high is None:
            row = self.conn.execute("select max(id) from sources").fetchone()
            self._source_high = row[0] or 0
        self._source_high += 1
        return self._source_high

    # --- records to rows -------------------------------------------------------------------
    def _add(self, record: object, buffer: _Buffer, source_id: int) -> None:
        if isinstance(record, Edition):
            self._add_edition(record, buffer, source_id)
        elif isinstance(record, StageEvent):
            edition = _edition_key(record.designation, "stage event")
            code = _event_code(record.code)
            date = check_date(record.date, f"stage {code} date") or ""
            _claim(buffer, edition, "event", f"{code}|{date}", date, source_id, record.note)
            self._ensure_edition(edition, buffer, source_id)
        elif isinstance(record, Provenance):
            self._provenance = Provenance(
                record.origin, check_date(record.said, "the date the source said it"))
        elif isinstance(record, Relation):
            self._add_relation(record, buffer, source_id)
        elif isinstance(record, Work):
            designation = parse(record.designation).work
            self._add_work(designation, record.titles, buffer, source_id)
        elif isinstance(record, IcsField):
            buffer.add("ics", (record.code,), {
                "code": record.code, "parent": _ics_parent(record.code),
                "title_en": record.title_en, "title_fr": record.title_fr, "source_id": source_id,
            })
        elif isinstance(record, Bulletin | Article | BulletinMention):
            self._add_bulletin(record, buffer, source_id)
        elif isinstance(record, Clause | Term | Citation):
            self._add_text(record, buffer, source_id)
        elif isinstance(record, Committee):
            buffer.add("committees", (record.reference,), {
                "reference": record.reference, "title": record.title, "status": record.status,
                "secretariat": record.secretariat, "parent": record.parent,
                "source_id": source_id,
            })
        else:
            raise TypeError(f"not a knowledge-base record: {record!r}")

    def _add_text(self, record: Clause | Term | Citation, buffer: _Buffer,
                  source_id: int) -> None:
        edition = _edition_key(record.designation, "clause text")
        self._ensure_edition(edition, buffer, source_id)
        buffer.replaced.add(("text", edition, record.language))
        self._texts.add((edition, record.language))
        if isinstance(record, Clause):
            buffer.add("clauses", (edition, record.language, record.number), {
                "edition_id": edition, "language": record.language, "number": record.number,
                "parent": record.parent, "heading": record.heading, "text": record.text,
                "kind": record.kind, "ord": record.order, "source_id": source_id,
            })
        elif isinstance(record, Citation):
            cited = _edition_key(record.cited, "citation")
            buffer.add("citations", (edition, record.language, record.clause, cited), {
                "edition_id": edition, "language": record.language, "clause": record.clause,
                "cited": cited, "as_written": record.as_written, "source_id": source_id,
            })
            # a clause's citation is also a citation of its edition
            self._add_relation(Relation(edition, "cites", cited), buffer, source_id)
        else:
            buffer.add("terms", (edition, record.language, record.entry), {
                "edition_id": edition, "language": record.language, "entry": record.entry,
                "preferred": record.preferred, "admitted": _json(record.admitted),
                "deprecated": _json(record.deprecated), "definition": record.definition,
                "notes": _json(record.notes), "source": record.source, "source_id": source_id,
            })

    def _add_bulletin(self, record: Bulletin | Article | BulletinMention, buffer: _Buffer,
                      source_id: int) -> None:
        if isinstance(record, Bulletin):
            buffer.replaced.add(("bulletin", record.id))
            buffer.add("bulletins", (record.id,), {
                "id": record.id, "title": record.title, "date": check_date(record.date, "date"),
                "language": record.language, "path": record.path, "text": record.text,
                "source_id": source_id,
            })
        elif isinstance(record, Article):
            buffer.add("articles", (record.bulletin, record.number), {
                "bulletin_id": record.bulletin, "number": record.number, "part": record.part,
                "heading": record.heading, "start": record.start, "end": record.end,
            })
        else:
            buffer.add("mentions", (record.bulletin, record.start), {
                "bulletin_id": record.bulletin, "start": record.start, "end": record.end,
                "as_written": record.as_written, "kind": record.kind,
                "canonical": record.canonical, "title": record.title, "note": record.note,
                "sentence": record.sentence,
            })

    def _add_work(self, work, titles: dict[str, str], buffer: _Buffer, source_id: int) -> str:
        key = work.canonical
        buffer.add("works", (key,), {
            "id": key, "publisher": "/".join(work.publishers), "scheme": work.scheme,
            "doctype": work.doctype, "number": "-".join((work.number, *work.parts)),
        })
        for language, title in titles.items():
            if language in ("en", "zh", "fr") and title:
                _claim(buffer, key, f"work:title_{language}", "", title, source_id)
        return key

    def _ensure_edition(self, edition_id: str, buffer: _Buffer, source_id: int) -> None:
        if (edition_id,) not in buffer.rows["editions"]:
            self._add_edition(Edition(designation=edition_id), buffer, source_id)

    def _add_edition(self, e: Edition, buffer: _Buffer, source_id: int) -> None:
        """The edition's row (what its designation says) and the source's claims about it."""
        d = parse(e.designation).edition
        key = d.canonical
        work = self._add_work(d.work, {}, buffer, source_id)
        buffer.add("editions", (key,), {
            "id": key, "work_id": work, "kind": d.kind, "publisher": "/".join(d.publishers),
            "doctype": d.doctype, "draft_stage": d.draft_stage, "year": d.year,
        })
        stage = e.stage
        if stage and stage not in stages.CN_STATUSES and stage not in stages.CN_LIFECYCLE:
            stage = stages.normalize_code(stage)
        said = {
            "title_en": e.titles.get("en"), "title_zh": e.titles.get("zh"),
            "title_fr": e.titles.get("fr"), "edition": e.edition,
            "status": stages.normalize_status(e.status) if e.status else None,
            "stage": stage, "published": check_date(e.published, "published"),
            "effective": check_date(e.effective, "effective"),
            "withdrawn": check_date(e.withdrawn, "withdrawn"), "committee": e.committee,
            "authority": e.authority or None, "drafters": _json(e.drafters),
            "scope": e.scope or None,
            "ics": _json(e.ics), "ccs": _json(e.ccs), "languages": _json(e.languages),
            "pages": None if e.pages is None else str(e.pages), "url": e.url,
            "project_id": e.project_id, "record_source": e.record_source, "note": e.note,
        }
        for name, value in said.items():
            if value is not None:
                _claim(buffer, key, name, "", value, source_id)
        for name in e.withheld:
            if name not in said or said[name] is not None:
                raise LoadError(f"field {name!r}: left out on purpose and given at once")
            _claim(buffer, key, name, "", None, source_id, facts.WITHHELD)
        if e.committee:
            buffer.add("committees", (e.committee,), {"reference": e.committee})
        base = d.base
        if base is not None and d.kind in ("amendment", "corrigendum"):
            kind = "amends" if d.kind == "amendment" else "corrects"
            self._add_relation(Relation(key, kind, base.canonical), buffer, source_id)

    def _add_relation(self, r: Relation, buffer: _Buffer, source_id: int) -> None:
        if r.type not in RELATION_TYPES:
            raise LoadError(f"relation type {r.type!r} is not one of {', '.join(RELATION_TYPES)}")
        if r.degree is not None and r.degree not in ADOPTION_DEGREES:
            raise LoadError(f"adoption degree {r.degree!r} is not one of IDT, MOD, NEQ")
        subject = _edition_key(r.subject, "relation subject")
        obj = _edition_key(r.object, f"{r.type} relation")
        _claim(buffer, subject, r.type, obj, r.degree, source_id, r.note)

    # --- writing ---------------------------------------------------------------------------
    _PKS = {
        "works": "id", "editions": "id", "claims": ("subject", "property", "key", "source_id"),
        "ics": "code", "committees": "reference", "sources": "id",
        "clauses": ("edition_id", "language", "number"),
        "terms": ("edition_id", "language", "entry"),
        "citations": ("edition_id", "language", "clause", "cited"),
        "bulletins": "id", "articles": ("bulletin_id", "number"),
        "mentions": ("bulletin_id", "start"),
    }
    #: Rows a document gives whole: the tables and the key they are deleted by.
    _REPLACED = {
        "text": (("clauses", "terms", "citations"), "edition_id = ? and language = ?"),
        "bulletin": (("articles", "mentions"), "bulletin_id = ?"),
    }

    def _flush(self, buffer: _Buffer) -> None:
        """Write buffered rows, merging each with the stored row of the same key.

        The text of an edition in a language comes whole from one document: its stored
        clauses, terms and citations are deleted before the new ones are written.
        """
        for what, *key in sorted(buffer.replaced - buffer.done):
            tables, where = self._REPLACED[what]
            for table in tables:
                self.conn.execute(f"delete from {table} where {where}", key)
        buffer.done |= buffer.replaced
        buffer.replaced.clear()
        for source_id in buffer.revived:  # in use again (the loop below supersedes the rest)
            self.conn.execute("update sources set superseded_by = null where id = ?",
                              (source_id,))
        for loader, path, source_id in buffer.supersede:  # a file's new version: old claims go
            older = [r[0] for r in self.conn.execute(
                "select id from sources where loader = ? and path = ? and id != ? "
                "and superseded_by is null", (loader, path, source_id))]
            for old in older:
                self._touched.update(r[0] for r in self.conn.execute(
                    "select distinct subject from claims where source_id = ?", (old,)))
                self.conn.execute("delete from claims where source_id = ?", (old,))
                self.conn.execute("update sources set superseded_by = ? where id = ?",
                                  (source_id, old))
                self._any_superseded = True
        buffer.supersede.clear()
        self._touched.update(key[0] for key in buffer.rows["claims"])
        for table in ("sources", "committees", "ics", "works", "editions", "claims", "clauses",
                      "terms", "citations", "bulletins", "articles", "mentions"):
            if buffer.rows[table]:
                self._upsert(table, buffer.rows[table].values())
        buffer.clear()

    def _upsert(self, table: str, rows: Iterable[dict]) -> None:
        """Write rows by primary key in one ``executemany``: a value given replaces the stored
        one, a field left empty keeps the stored value (measured 4x faster than sqlite-utils'
        ``upsert_all`` with a read-back merge; benchmarks/catalogue_load.py)."""
        pk = self._PKS[table]
        keys = pk if isinstance(pk, tuple) else (pk,)
        columns = self._columns.get(table)
        if columns is None:
            columns = self._columns[table] = tuple(self.db[table].columns_dict)
        names = ", ".join(f"[{c}]" for c in columns)
        rest = [c for c in columns if c not in keys]
        update = ", ".join(f"[{c}] = coalesce(excluded.[{c}], [{c}])" for c in rest)
        sql = (f"insert into [{table}] ({names}) values ({', '.join('?' * len(columns))}) "
               f"on conflict ({', '.join(f'[{k}]' for k in keys)}) "
               + (f"do update set {update}" if update else "do nothing"))
        self.conn.executemany(sql, [tuple(row.get(c) for c in columns) for row in rows])


def _claim(buffer: _Buffer, subject: str, prop: str, key: str, value: str | None,
           source_id: int, note: str | None = None) -> None:
    buffer.add("claims", (subject, prop, key, source_id), {
        "subject": subject, "property": prop, "key": key, "value": value, "note": note,
        "source_id": source_id})


def _edition_key(designation: str, where: str) -> str:
    try:
        return parse(designation).edition.canonical
    except DesignationError as error:
        raise LoadError(f"{where}: {error}") from None


def _event_code(code: str) -> str:
    if code in stages.CN_LIFECYCLE:
        return code
    return stages.normalize_code(code)


def _ics_parent(code: str) -> str | None:
    return code.rsplit(".", 1)[0] if "." in code else None


def recover(path: str | Path) -> bool:
    """Roll back what a load killed mid-transaction left (a hot journal beside the
    database), so read-only readers see the last committed state; True if there was one.

    Opening the database for writing and reading one page is how SQLite recovers; a load
    still running holds its lock, so its journal is not touched.

    :raises sqlite3.Error, OSError: when the journal cannot be rolled back (no write access).
    """
    journal = Path(f"{path}-journal")
    if not journal.is_file() or journal.stat().st_size == 0:
        return False
    conn = storage.connect(path)
    try:
        conn.execute("select count(*) from sqlite_master").fetchone()
    finally:
        conn.close()
    return not journal.exists() or journal.stat().st_size == 0


def _one_line(name: str, error: BaseException) -> str:
    message = " ".join(str(error).split())
    if message.startswith(name):
        return message
    return f"{name}: {message}"
