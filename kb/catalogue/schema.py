"""The tables of the knowledge base and the migrations from earlier schemas.

:func:`ensure` creates them in an empty database or brings an earlier one up to
:data:`SCHEMA_VERSION` in one transaction; :mod:`kb.catalogue.store` is the only caller and the
only writer of rows.
"""

from __future__ import annotations

import sqlite_utils

from kb.catalogue import facts

SCHEMA_VERSION = 6  # 2: citations, 3: bulletins, articles, mentions, 4: loader versions,
#                    5: claims (kb.catalogue.facts derives editions, stage events, relations),
#                    6: editions.authority, drafters, scope
#: Edition columns added after the table was first written (schema 6), with their types.
_LATER_EDITION_COLUMNS = {"authority": str, "drafters": str, "scope": str}


def ensure(db: sqlite_utils.Database) -> None:
    """Create the tables of an empty knowledge base, or bring an earlier schema up to this one
    (in one transaction)."""
    if "editions" in db.table_names():
        missing = [t for t in ("citations", "bulletins", "claims")
                   if t not in db.table_names()]
        old_sources = "loader_version" not in db["sources"].columns_dict
        columns = db["editions"].columns_dict
        new_columns = [c for c in _LATER_EDITION_COLUMNS if c not in columns]
        if missing or old_sources or new_columns:  # an earlier schema: bring it up
            with db.atomic():
                for column in new_columns:  # empty until a source says them (loaders
                    #                         read their files again: their VERSION)
                    db["editions"].add_column(column, _LATER_EDITION_COLUMNS[column])
                for table in missing:
                    _CREATE[table](db)
                if old_sources:
                    db["sources"].add_column("loader_version", int)
                    db.execute("update sources set loader_version = 1")
                    db.execute("drop index if exists idx_sources_sha256_loader")
                    _index_sources(db)
                if "claims" in missing:
                    _claims_from_facts(db)
                    db["sources"].create_index(["path", "loader"], if_not_exists=True)
                db["kb_meta"].upsert({"key": "schema_version",
                                      "value": str(SCHEMA_VERSION)}, pk="key")
        return
    with db.atomic():
        db["sources"].create(
            {"id": int, "path": str, "sha256": str, "loader": str, "loader_version": int,
             "loaded_at": str, "records": int, "origin": str, "said": str,
             "superseded_by": int}, pk="id",
        )
        _index_sources(db)
        db["committees"].create(
            {"reference": str, "title": str, "status": str, "secretariat": str,
             "parent": str, "source_id": int}, pk="reference",
        )
        db["ics"].create(
            {"code": str, "parent": str, "title_en": str, "title_fr": str, "source_id": int},
            pk="code",
        )
        db["works"].create(
            {"id": str, "publisher": str, "scheme": str, "doctype": str, "number": str,
             "title_en": str, "title_zh": str, "title_fr": str, "source_id": int},
            pk="id", foreign_keys=[("source_id", "sources", "id")],
        )
        db["works"].create_index(["number"])
        db["editions"].create(
            {"id": str, "work_id": str, "kind": str, "publisher": str, "doctype": str,
             "draft_stage": str, "year": int, "edition": str, "title_en": str,
             "title_zh": str, "title_fr": str, "status": str, "stage": str,
             "stage_label": str, "published": str, "effective": str, "withdrawn": str,
             "committee": str, "ics": str, "ccs": str, "languages": str, "pages": int,
             "url": str, "project_id": str, "record_source": str, "note": str,
             "source_id": int, "conflicts": str, **_LATER_EDITION_COLUMNS},
            pk="id",
            foreign_keys=[("work_id", "works", "id"), ("committee", "committees", "reference"),
                          ("source_id", "sources", "id")],
        )
        db["editions"].create_index(["work_id", "year"])
        # filters that pages sort by the primary key: (filter, id) serves both
        db["editions"].create_index(["status", "id"])
        db["editions"].create_index(["committee", "id"])
        db["edition_ics"].create(
            {"edition_id": str, "ics_code": str}, pk=("edition_id", "ics_code"),
            foreign_keys=[("edition_id", "editions", "id"), ("ics_code", "ics", "code")],
        )
        db["edition_ics"].create_index(["ics_code"])
        db["stage_events"].create(
            {"edition_id": str, "code": str, "date": str, "label": str, "note": str,
             "source_id": int},
            pk=("edition_id", "code", "date"),
            foreign_keys=[("edition_id", "editions", "id"), ("source_id", "sources", "id")],
        )
        db["relations"].create(
            {"subject": str, "type": str, "object": str, "degree": str, "note": str,
             "subject_work": str, "object_work": str, "source_id": int},
            pk=("subject", "type", "object"),
            foreign_keys=[("source_id", "sources", "id")],
        )
        db["relations"].create_index(["object"])
        db["relations"].create_index(["subject_work"])
        db["relations"].create_index(["object_work"])
        db["clauses"].create(
            {"edition_id": str, "language": str, "number": str, "parent": str,
             "heading": str, "text": str, "kind": str, "ord": int, "source_id": int},
            pk=("edition_id", "language", "number"),
            foreign_keys=[("edition_id", "editions", "id"), ("source_id", "sources", "id")],
        )
        db["terms"].create(
            {"edition_id": str, "language": str, "entry": str, "preferred": str,
             "admitted": str, "deprecated": str, "definition": str, "notes": str,
             "source": str, "source_id": int},
            pk=("edition_id", "language", "entry"),
            foreign_keys=[("edition_id", "editions", "id"), ("source_id", "sources", "id")],
        )
        db["terms"].create_index(["preferred"])
        _create_citations(db)
        _create_bulletins(db)
        _create_claims(db)
        db["kb_meta"].create({"key": str, "value": str}, pk="key")
        db["kb_meta"].insert({"key": "schema_version", "value": str(SCHEMA_VERSION)})

def _create_claims(db: sqlite_utils.Database) -> None:
    """What each source says about each edition (see :mod:`kb.catalogue.facts`): a field, a
    stage
    event (``event``, keyed ``code|date``) or a relation (its type, keyed by the object)."""
    db["claims"].create(
        {"subject": str, "property": str, "key": str, "value": str, "note": str,
         "source_id": int}, pk=("subject", "property", "key", "source_id"),
        foreign_keys=[("source_id", "sources", "id")],
    )
    db["claims"].create_index(["source_id"])
    db["claims"].create_index(["key"])  # who points a relation at an edition
    db["aliases"].create(  # by kb.catalogue.facts: undated records of dated editions
        {"alias": str, "edition": str}, pk="alias")
    db["aliases"].create_index(["edition"])
    db["changes"].create(  # written by kb.catalogue.facts: what each load changed
        {"id": int, "at": str, "edition_id": str, "code": str, "field": str, "old": str,
         "new": str}, pk="id")
    db["changes"].create_index(["at"])
    db["changes"].create_index(["edition_id"])

def _claims_from_facts(db: sqlite_utils.Database) -> None:
    """A database of schema 4 kept facts only: each becomes the claim of the source that
    last wrote it, so that the rules derive the same facts again."""
    for column, kind in (("origin", str), ("said", str), ("superseded_by", int)):
        if column not in db["sources"].columns_dict:
            db["sources"].add_column(column, kind)
    if "conflicts" not in db["editions"].columns_dict:
        db["editions"].add_column("conflicts", str)
    legacy = (db.execute("select max(id) from sources").fetchone()[0] or 0) + 1
    db["sources"].insert({"id": legacy, "path": "(facts stored before claims)",
                          "sha256": "-", "loader": "legacy", "loader_version": 1,
                          "records": 0})
    for name in facts.EDITION_FIELDS:
        db.execute(f"""insert or ignore into claims(subject, property, key, value, source_id)
                       select id, ?, '', {name}, coalesce(source_id, ?) from editions
                       where {name} is not null""", (name, legacy))
    db.execute("""insert or ignore into claims(subject, property, key, value, note, source_id)
                  select edition_id, 'event', code || '|' || date, date, note,
                         coalesce(source_id, ?) from stage_events""", (legacy,))
    db.execute("""insert or ignore into claims(subject, property, key, value, note, source_id)
                  select subject, type, object, degree, note, coalesce(source_id, ?)
                  from relations""", (legacy,))
    for language in ("en", "zh", "fr"):
        db.execute(f"""insert or ignore into claims(subject, property, key, value, source_id)
                       select id, 'work:title_{language}', '', title_{language}, ?
                       from works where title_{language} is not null""", (legacy,))

def _index_sources(db: sqlite_utils.Database) -> None:
    db["sources"].create_index(["sha256", "loader", "loader_version"], unique=True)
    # the older versions of a file a load supersedes (without it, a scan per document)
    db["sources"].create_index(["path", "loader"], if_not_exists=True)

def _create_bulletins(db: sqlite_utils.Database) -> None:
    db["bulletins"].create(
        {"id": str, "title": str, "date": str, "language": str, "path": str, "text": str,
         "source_id": int}, pk="id", foreign_keys=[("source_id", "sources", "id")],
    )
    db["articles"].create(
        {"bulletin_id": str, "number": int, "part": str, "heading": str, "start": int,
         "end": int}, pk=("bulletin_id", "number"),
        foreign_keys=[("bulletin_id", "bulletins", "id")],
    )
    db["mentions"].create(
        {"bulletin_id": str, "start": int, "end": int, "as_written": str, "kind": str,
         "canonical": str, "title": str, "note": str, "sentence": str},
        pk=("bulletin_id", "start"), foreign_keys=[("bulletin_id", "bulletins", "id")],
    )
    db["mentions"].create_index(["canonical"])

def _create_citations(db: sqlite_utils.Database) -> None:
    db["citations"].create(
        {"edition_id": str, "language": str, "clause": str, "cited": str,
         "as_written": str, "source_id": int},
        pk=("edition_id", "language", "clause", "cited"),
        foreign_keys=[("edition_id", "editions", "id"), ("source_id", "sources", "id")],
    )
    db["citations"].create_index(["cited"])


#: The tables a migration creates when an earlier schema lacks them.
_CREATE = {"citations": _create_citations, "bulletins": _create_bulletins,
           "claims": _create_claims}
