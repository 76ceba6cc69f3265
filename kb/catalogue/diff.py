"""Compare two editions clause by clause, and a national adoption with its source.

:func:`compare` aligns the clause trees of two editions (read from the knowledge base, never
copied) and says for each aligned pair what happened: ``unchanged``, ``changed`` (same
number, text edited), ``renumbered`` (same text under a new number, the parent aligned with
the old parent), ``moved`` (under another parent), ``split``, ``merged``, ``added`` or
``removed``; a term entry counts as a clause.  Inside a pair whose text differs, a
word-level redline (Chinese cut into words by jieba, never by whitespace).  Text similarity
is rapidfuzz's Indel similarity over word sequences; the redline is difflib's.

:func:`crosswalk` aligns a national edition with the international one it adopts by
clause number, annex letter and term equivalents (the English term printed beside each
Chinese one), and reports what is on one side only.
"""

from __future__ import annotations

import difflib
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Indel

from kb.catalogue.model import clause_key
from kb.catalogue.queries import NotFound, dict_rows, resolve
from kb.identifiers.designation import DesignationError, parse
from kb.wording import N_, count, in_language

__all__ = ["KINDS", "DiffError", "clause_key", "compare", "crosswalk", "redline", "summary",
           "tokens", "verdict"]

#: What can happen to a clause between two editions.
KINDS = (N_("unchanged"), N_("changed"), N_("renumbered"), N_("moved"), N_("split"),
         N_("merged"), N_("added"), N_("removed"))

SAME_NUMBER = 0.5  # similarity above which a clause kept its number (and may have changed)
ELSEWHERE = 0.6  # similarity above which a clause found under another number is the same
PART_OF = 0.8  # share of a piece's words found in the whole, for splits and merges

PHRASE_GAP = 2  # at most this many unchanged words between two edits that make one phrase

_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|\s+|\w+|[^\w\s]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"\w")


class DiffError(ValueError):
    """Two editions that cannot be compared; the message says why in one line."""


def tokens(text: str) -> list[str]:
    """Words, spaces and punctuation of a text; Chinese runs cut into words by jieba."""
    from kb.text.analysis import cut

    out: list[str] = []
    for piece in _TOKEN.findall(text or ""):
        if _CJK.match(piece):
            out.extend(cut(piece))
        else:
            out.append(piece)
    return out


@dataclass
class _Clause:
    number: str
    parent: str | None
    heading: str | None
    text: str
    kind: str
    order: int
    words: list[str] = field(default_factory=list)  # tokens without spaces
    key: str = ""  # the words as one string, a character per distinct word


def _load(conn: sqlite3.Connection, edition: str, language: str) -> list[_Clause]:
    rows = dict_rows(conn, """select number, parent, heading, text, kind, ord from clauses
                          where edition_id = ? and language = ? order by ord""",
                 (edition, language))
    return [_Clause(r["number"], r["parent"], r["heading"], r["text"] or "", r["kind"] or "",
                    r["ord"] or 0) for r in rows]


def _prepare(clauses: list[_Clause], alphabet: dict[str, str]) -> None:
    for c in clauses:
        c.words = [t for t in tokens(f"{c.heading or ''}\n{c.text}") if not t.isspace()]
        c.key = "".join(alphabet.setdefault(w, chr(0xF0000 + len(alphabet) % 0xFFFD))
                        for w in c.words)


@dataclass
class Pair:
    """Two aligned clauses (either may be absent) and what happened between them."""

    kind: str
    old: _Clause | None
    new: _Clause | None
    similarity: float = 0.0
    also: list[str] = field(default_factory=list)  # the other pieces of a split or merge


def align(old: list[_Clause], new: list[_Clause]) -> list[Pair]:
    """Aligned pairs of two clause lists, in the new edition's order (a removed clause just
    after the new place of the clause that preceded it)."""
    alphabet: dict[str, str] = {}
    _prepare(old, alphabet)
    _prepare(new, alphabet)
    matched = _by_number(old, new)
    _elsewhere(old, new, matched)
    pieces, wholes = _splits_and_merges(old, new, matched)
    pairs = _kinds(old, new, matched)
    for i, parts in pieces.items():
        pairs += [Pair("split", old[i], new[j], _share(new[j], old[i]),
                       [new[k].number for k in parts if k != j]) for j in parts]
    for j, parts in wholes.items():
        pairs += [Pair("merged", old[i], new[j], _share(old[i], new[j]),
                       [old[k].number for k in parts if k != i]) for i in parts]
    used_old = set(matched) | set(pieces) | {i for parts in wholes.values() for i in parts}
    used_new = {j for j, _ in matched.values()} | set(wholes) | {
        j for parts in pieces.values() for j in parts}
    pairs += [Pair("removed", old[i], None) for i in range(len(old)) if i not in used_old]
    pairs += [Pair("added", None, new[j]) for j in range(len(new)) if j not in used_new]
    kept = sorted((old[i].order, new[j].order) for i, (j, _) in matched.items())

    def position(p: Pair) -> tuple:
        if p.new:
            return (p.new.order, 0, 0)
        before = [n for o, n in kept if o < p.old.order]
        return (before[-1] if before else -1, 1, p.old.order)

    return sorted(pairs, key=position)


Matches = dict[int, tuple[int, float]]  # old index -> (new index, similarity)


def _by_number(old: list[_Clause], new: list[_Clause]) -> Matches:
    """Clauses that kept their number and are similar enough (or kept their heading)."""
    matched: Matches = {}
    by_number = {c.number: j for j, c in enumerate(new)}
    for i, c in enumerate(old):
        j = by_number.get(c.number)
        if j is not None:
            similarity = Indel.normalized_similarity(c.key, new[j].key)
            if similarity >= SAME_NUMBER or (c.heading and c.heading == new[j].heading):
                matched[i] = (j, similarity)
    return matched


def _elsewhere(old: list[_Clause], new: list[_Clause], matched: Matches) -> None:
    """The rest paired with the most similar clause under another number, best pairs first."""
    taken = {j for j, _ in matched.values()}
    rest_old = [i for i in range(len(old)) if i not in matched]
    rest_new = [j for j in range(len(new)) if j not in taken]
    if not rest_old or not rest_new:
        return
    choices = [new[j].key for j in rest_new]
    candidates = sorted(
        ((float(score), a, b) for a, i in enumerate(rest_old)
         for _, score, b in process.extract(old[i].key, choices,
                                            scorer=Indel.normalized_similarity,
                                            score_cutoff=ELSEWHERE, limit=None)),
        reverse=True)
    for similarity, a, b in candidates:
        i, j = rest_old[a], rest_new[b]
        if i not in matched and j not in taken:
            matched[i] = (j, similarity)
            taken.add(j)


def _splits_and_merges(old: list[_Clause], new: list[_Clause],
                       matched: Matches) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """(old clause -> its new pieces, new clause -> its old pieces); a clause that kept its
    number but lost text to new clauses is split (gained text of old clauses: merged), and
    so is an unmatched clause whose text two or more unmatched ones share out."""
    pieces: dict[int, list[int]] = {}
    wholes: dict[int, list[int]] = {}
    left_old = [i for i in range(len(old)) if i not in matched]
    taken = {j for j, _ in matched.values()}
    left_new = [j for j in range(len(new)) if j not in taken]
    for i, (j, _) in list(matched.items()):
        if len(new[j].key) < 0.8 * len(old[i].key) and _part_of(new[j], old[i]):
            parts = [k for k in left_new if _part_of(new[k], old[i])]
            if parts:
                pieces[i] = [j, *parts]
                del matched[i]
                left_new = [k for k in left_new if k not in parts]
        elif len(old[i].key) < 0.8 * len(new[j].key) and _part_of(old[i], new[j]):
            parts = [k for k in left_old if _part_of(old[k], new[j])]
            if parts:
                wholes[j] = [i, *parts]
                del matched[i]
                left_old = [k for k in left_old if k not in parts]
    for i in left_old:
        parts = [j for j in left_new if _part_of(new[j], old[i])]
        if len(parts) >= 2:
            pieces[i] = parts
            left_new = [k for k in left_new if k not in parts]
    left_old = [i for i in left_old if i not in pieces]
    for j in left_new:
        parts = [i for i in left_old if _part_of(old[i], new[j])]
        if len(parts) >= 2:
            wholes[j] = parts
            left_old = [k for k in left_old if k not in parts]
    return pieces, wholes


def _kinds(old: list[_Clause], new: list[_Clause], matched: Matches) -> list[Pair]:
    """Matched pairs as unchanged, changed, renumbered (the parent aligned with the old
    parent) or moved (under another parent)."""
    new_of = {old[i].number: new[j].number for i, (j, _) in matched.items()}
    pairs = []
    for i, (j, similarity) in matched.items():
        o, n = old[i], new[j]
        if o.number == n.number:
            kind = "unchanged" if o.key == n.key and o.text == n.text else "changed"
        elif o.parent == n.parent or new_of.get(o.parent or "") == n.parent:
            kind = "renumbered"
        else:
            kind = "moved"
        pairs.append(Pair(kind, o, n, similarity))
    return pairs


def _share(piece: _Clause, whole: _Clause) -> float:
    """The share of a piece's words that appear, in order, in the whole."""
    if not piece.key:
        return 0.0
    matcher = difflib.SequenceMatcher(None, piece.key, whole.key, autojunk=False)
    return sum(b.size for b in matcher.get_matching_blocks()) / len(piece.key)


def _part_of(piece: _Clause, whole: _Clause) -> bool:
    return len(piece.key) >= 5 and len(piece.key) < len(whole.key) and \
        _share(piece, whole) >= PART_OF


def redline(old: str, new: str) -> list[tuple[str, str]]:
    """A word-level diff: ``(op, text)`` with op ``=``, ``-`` (deleted) or ``+`` (inserted);
    the ``=`` and ``-`` texts make the old text, the ``=`` and ``+`` texts the new one.

    Edits are phrases a reader takes in at once: where replacements alternate with at most
    :data:`PHRASE_GAP` unchanged words between them (``at [-intervals-]{+least+} [-set-]
    {+every+}``), or edits are separated only by spaces and punctuation, they are one deleted
    phrase followed by one inserted phrase (``at [-intervals set-]{+least every+}``); a
    paragraph's end is never crossed.  A pure insertion or deletion that could sit at several
    places (``— the {+X;↵— the +}`` is also ``{+— the X;↵+}— the``) starts a line if it can.
    """
    return _phrases(_runs(old, new))


def _runs(old: str, new: str) -> list[list]:
    """difflib's edits, token by token: ``["=", tokens]`` or ``["~", deleted, inserted]``."""
    a, b = tokens(old), tokens(new)
    runs: list[list] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            runs.append(["=", a[i1:i2]])
        else:
            runs.append(["~", a[i1:i2], b[j1:j2]])
    _slide(runs)
    return runs


def _phrases(runs: list[list]) -> list[tuple[str, str]]:
    """Edits grouped into phrases (see :func:`redline`), as ``(op, text)``."""
    grouped: list[list] = []
    for run in runs:
        if run[0] == "=" and not run[1]:
            continue
        if run[0] == "~" and len(grouped) >= 2 and grouped[-1][0] == "=" and \
                grouped[-2][0] == "~" and _one_phrase(grouped[-2], grouped[-1][1], run):
            gap = grouped.pop()[1]
            grouped[-1] = ["~", grouped[-1][1] + gap + run[1], grouped[-1][2] + gap + run[2]]
        elif run[0] == "~" and grouped and grouped[-1][0] == "~":
            grouped[-1] = ["~", grouped[-1][1] + run[1], grouped[-1][2] + run[2]]
        else:
            grouped.append(run)
    out: list[tuple[str, str]] = []
    for run in grouped:
        for op, words in (("=", run[1]),) if run[0] == "=" else (("-", run[1]), ("+", run[2])):
            if words:
                out.append((op, "".join(words)))
    return out


def _one_phrase(left: list, gap: list[str], right: list) -> bool:
    """Whether two edits with ``gap`` (unchanged tokens) between them read as one phrase."""
    if any("\n" in t for t in gap):
        return False
    words = sum(1 for t in gap if _WORD.search(t))
    if words > PHRASE_GAP:
        return False
    if left[1] and left[2] and right[1] and right[2]:  # two replacements
        return True
    # only spaces and punctuation between; two insertions (or deletions) stay two
    return words == 0 and bool((left[1] or right[1]) and (left[2] or right[2]))


def _slide(runs: list[list]) -> None:
    """Move each pure insertion or deletion, among the places it could equally sit, to the
    start of a line (or else the end of one); otherwise leave it where difflib put it."""
    for k in range(1, len(runs) - 1):
        before, run, after = runs[k - 1], runs[k], runs[k + 1]
        if run[0] != "~" or (run[1] and run[2]) or before[0] != "=" or after[0] != "=":
            continue
        side = 1 if run[1] else 2
        edit, left, right = run[side], before[1], after[1]
        shifts = [0]
        while shifts[-1] < len(left) and shifts[-1] < len(edit) and \
                left[-1 - shifts[-1]] == edit[-1 - shifts[-1]]:
            shifts.append(shifts[-1] + 1)  # the edit moved this many tokens to the left
        n = 0
        while n < len(right) and n < len(edit) and right[n] == edit[n]:
            n += 1
            shifts.append(-n)  # … or to the right

        def placed(shift: int, left=left, edit=edit, right=right) -> tuple[list, list, list]:
            if shift >= 0:
                cut, keep = len(left) - shift, len(edit) - shift
                return left[:cut], left[cut:] + edit[:keep], edit[keep:] + right
            return left + edit[:-shift], edit[-shift:] + right[:-shift], right[-shift:]

        def score(shift: int, k=k, placed=placed) -> tuple:
            head, moved, tail = placed(shift)
            starts = "\n" in head[-1] if head else k == 1  # k == 1: the text's start
            ends = "\n" in moved[-1] or ("\n" in tail[0] if tail else k == len(runs) - 2)
            return (2 * starts + ends, -abs(shift))

        best = max(shifts, key=score)
        if best:
            head, moved, tail = placed(best)
            before[1], run[side], after[1] = head, moved, tail


def _words(text: str) -> int:
    return sum(1 for t in tokens(text) if not t.isspace() and re.search(r"\w", t))


def _edits(runs: list[list]) -> tuple[int, int]:
    """Words added and deleted, counted edit by edit (the unchanged words inside a phrase of
    :func:`redline` are not)."""
    added = sum(_words("".join(r[2])) for r in runs if r[0] == "~")
    deleted = sum(_words("".join(r[1])) for r in runs if r[0] == "~")
    return added, deleted


#: The sentences of :func:`summary`, messages of the interface's catalogue.
_SUMMARIES = {
    "edits": N_("{added} added, {deleted} deleted"), "none": N_("text unchanged"),
    "unchanged": N_("unchanged"), "changed": N_("changed: {edits}"),
    "renumbered": N_("renumbered {old} → {new}; {edits}"),
    "moved": N_("moved {old} → {new} (from under {old_parent} to under {new_parent}); "
                "{edits}"),
    "top": N_("the top"), "split": N_("{old} split into {new}"),
    "merged": N_("{old} merged into {new}"), "added": N_("added ({words})"),
    "removed": N_("removed ({words})"),
}


def summary(pair: dict, lang: str = "en", mark: Callable[[str], str] = str) -> str:
    """One line on a pair of :func:`compare` (``changed: 244 words added, 3 deleted``), in
    ``lang`` (``zh``: ``变更：增加 244 个词，删除 3 个词``); ``mark`` is applied to each
    clause number (a page marks them as data)."""
    def say(key: str, **values) -> str:
        return in_language(_SUMMARIES[key], lang).format(**values)

    kind, added, deleted = pair["kind"], pair["added_words"], pair["deleted_words"]
    edits = say("edits", added=count(added, "word", lang=lang),
                deleted=f"{deleted:,}" if lang == "en" else count(deleted, "word", lang=lang)) \
        if added or deleted else say("none")
    also = pair.get("also") or []
    old, new = mark(pair["old"] or ""), mark(pair["new"] or "")
    if kind == "unchanged":
        return say("unchanged")
    if kind == "changed":
        return say("changed", edits=edits)
    if kind == "renumbered":
        return say("renumbered", old=old, new=new, edits=edits)
    if kind == "moved":
        return say("moved", old=old, new=new,
                   old_parent=mark(pair["old_parent"]) if pair.get("old_parent") else say("top"),
                   new_parent=mark(pair["new_parent"]) if pair.get("new_parent") else say("top"),
                   edits=edits)
    if kind == "split":
        return say("split", old=old, new=_numbers([pair["new"], *also], mark))
    if kind == "merged":
        return say("merged", old=_numbers([pair["old"], *also], mark), new=new)
    return say(kind, words=count(pair["words"], "word", lang=lang))


def _numbers(numbers: list[str], mark: Callable[[str], str] = str) -> str:
    return ", ".join(mark(n) for n in sorted(numbers, key=clause_key))



def _edition(conn: sqlite3.Connection, text: str) -> tuple[str, str]:
    """(edition id, work id) of a dated designation in the knowledge base.

    :raises DiffError: for an undated or unknown designation, listing the editions there are.
    """
    try:
        work, key = resolve(conn, text)
    except DesignationError as error:
        raise DiffError(str(error)) from None
    except NotFound:
        work, key = parse(text).work.canonical, None
        if not _listing(conn, work):
            raise DiffError(f"{text.strip()!r} is not in the knowledge base") from None
        raise DiffError(f"{text.strip()!r} is not in the knowledge base; its work has "
                        f"{_listing(conn, work)}") from None
    if key is None:
        raise DiffError(f"{text.strip()!r} is undated: name one edition "
                        f"({_listing(conn, work)})")
    return key, work


def _listing(conn: sqlite3.Connection, work: str) -> str:
    """The editions of a work, those with clause text marked."""
    rows = conn.execute("""select e.id, exists(select 1 from clauses c where c.edition_id = e.id)
                           from editions e where e.work_id = ? order by e.year, e.id""", (work,))
    return ", ".join(f"{key}{' (text)' if text else ''}" for key, text in rows)


def _languages(conn, edition: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "select distinct language from clauses where edition_id = ? order by language = 'en' "
        "desc, language", (edition,))]


def compare(conn: sqlite3.Connection, a: str, b: str, language: str | None = None) -> dict:
    """Compare edition ``a`` (old) with edition ``b`` (new) of the same work.

    :raises DiffError: for designations that are undated, unknown, of different works (not
        linked by an adoption), or editions without clause text.
    """
    old, old_work = _edition(conn, a)
    new, new_work = _edition(conn, b)
    if old_work != new_work:
        if _adoption(conn, old, new) or _adoption(conn, new, old):
            raise DiffError(f"{old} and {new} are an adoption and its source: compare them "
                            f"with kb crosswalk")
        raise DiffError(f"{old} and {new} are editions of different works ({old_work}, "
                        f"{new_work}) and neither adopts the other")
    languages = [lang for lang in _languages(conn, old) if lang in _languages(conn, new)]
    for key in (old, new):
        if not _languages(conn, key):
            raise DiffError(f"{key} has no clause text in the knowledge base (load it with "
                            f"kb load)")
    if not languages:
        raise DiffError(f"{old} and {new} have no clause text in a common language")
    language = language if language in languages else languages[0]
    pairs = align(_load(conn, old, language), _load(conn, new, language))
    out = []
    for p in pairs:
        runs = _runs(_full(p.old), _full(p.new)) if p.old and p.new and \
            p.kind not in ("unchanged",) else []
        lines = _phrases(runs)
        added, deleted = _edits(runs)
        row = {
            "kind": p.kind, "old": p.old.number if p.old else None,
            "new": p.new.number if p.new else None,
            "old_heading": p.old.heading if p.old else None,
            "new_heading": p.new.heading if p.new else None,
            "clause_kind": (p.new or p.old).kind, "similarity": round(p.similarity, 3),
            "also": p.also, "redline": lines,
            "text": None if p.old and p.new else _full(p.old or p.new),
            "old_parent": p.old.parent if p.old else None,
            "new_parent": p.new.parent if p.new else None,
            "added_words": added, "deleted_words": deleted,
            "words": _words((p.new or p.old).text) if not (p.old and p.new) else 0,
        }
        row["summary"] = summary(row)
        out.append(row)
    counts = {k: 0 for k in KINDS}
    for row in out:  # a split counts once per old clause, a merge once per new one
        if row["kind"] not in ("split", "merged"):
            counts[row["kind"]] += 1
    counts["split"] = len({r["old"] for r in out if r["kind"] == "split"})
    counts["merged"] = len({r["new"] for r in out if r["kind"] == "merged"})
    terms = _terms(conn, old, new, language)
    counts["terms_changed"] = sum(1 for t in terms if t["kind"] == "changed")
    return {"old": old, "new": new, "work": old_work, "language": language, "counts": counts,
            "pairs": out, "terms": terms}


def _full(c: _Clause | None) -> str:
    if c is None:
        return ""
    return f"{c.heading}\n{c.text}" if c.heading else c.text


def _terms(conn, old: str, new: str, language: str) -> list[dict]:
    """Term entries matched by term, then by definition; changed definitions redlined."""
    query = """select entry, preferred, definition from terms where edition_id = ?
               and language = ?"""
    a, b = (sorted(dict_rows(conn, query, (key, language)), key=lambda t: clause_key(t["entry"]))
            for key in (old, new))
    by_term = {t["preferred"].casefold(): t for t in b}
    out, used = [], set()
    for t in a:
        match = by_term.get(t["preferred"].casefold())
        if match is None:
            close = [u for u in b if u["entry"] not in used and u["definition"] and
                     t["definition"] and Indel.normalized_similarity(
                         u["definition"], t["definition"]) >= 0.8]
            match = close[0] if close else None
        if match is None:
            out.append({"term": t["preferred"], "kind": "removed", "old": t["entry"],
                        "new": None, "redline": []})
            continue
        used.add(match["entry"])
        same = (t["definition"] or "") == (match["definition"] or "")
        out.append({
            "term": match["preferred"], "kind": "unchanged" if same else "changed",
            "old": t["entry"], "new": match["entry"], "old_term": t["preferred"],
            "redline": [] if same else redline(t["definition"] or "", match["definition"] or ""),
        })
    out += [{"term": u["preferred"], "kind": "added", "old": None, "new": u["entry"],
             "redline": []} for u in b if u["entry"] not in used]
    return sorted(out, key=lambda t: clause_key(t["new"] or t["old"]))


# --- crosswalk ----------------------------------------------------------------------------


def _adoption(conn, national: str, international: str) -> dict | None:
    rows = dict_rows(conn, """select subject, object, degree from relations where type = 'adopts'
                          and subject = ? and (object = ? or object_work = ?)""",
                 (national, international, parse(international).work.canonical))
    return rows[0] if rows else None


_BLOCK_LABELS = ((r"注\s*(\d*)\s*[：:]?$", "NOTE"), (r"示例\s*(\d*)\s*[：:]?$", "EXAMPLE"),
                 (r"^表\s*([A-Z]?\.?\d+)$", "TABLE"), (r"^图\s*([A-Z]?\.?\d+)$", "FIGURE"))


def _structure_key(number: str) -> str:
    """A clause number in a form both languages share: ``4.3 注：`` and ``4.3 NOTE`` are
    ``4.3 NOTE``, ``表1`` is ``TABLE 1``."""
    key = number.strip()
    for pattern, word in _BLOCK_LABELS:
        key = re.sub(pattern, lambda m, w=word: f"{w} {m.group(1)}".strip(), key)
    return re.sub(r"\s+", " ", key).upper()


def crosswalk(conn: sqlite3.Connection, national: str, international: str) -> dict:
    """Align a national edition with the international edition it adopts.

    :raises DiffError: when there is no adoption relation between them, or no text.
    """
    nat, _ = _edition(conn, national)
    intl, _ = _edition(conn, international)
    adoption = _adoption(conn, nat, intl)
    if adoption is None:
        raise DiffError(f"{nat} does not adopt {intl} in the knowledge base (no adopts "
                        f"relation); compare editions of one work with kb diff")
    nat_languages, intl_languages = _languages(conn, nat), _languages(conn, intl)
    if not nat_languages or not intl_languages:
        missing = nat if not nat_languages else intl
        raise DiffError(f"{missing} has no clause text in the knowledge base")
    nat_lang = "zh" if "zh" in nat_languages else nat_languages[0]
    intl_lang = "en" if "en" in intl_languages else intl_languages[0]
    a = {_structure_key(c.number): c for c in _load(conn, nat, nat_lang)}
    b = {_structure_key(c.number): c for c in _load(conn, intl, intl_lang)}
    # in the national edition's order; a clause of the international one only just after
    # the place of the international clause before it
    place = {key: (c.order, 0, 0) for key, c in a.items()}
    before = -1
    for key, c in sorted(b.items(), key=lambda item: item[1].order):
        if key in a:
            before = a[key].order
        else:
            place[key] = (before, 1, c.order)
    rows = []
    for key in sorted(place, key=place.__getitem__):
        x, y = a.get(key), b.get(key)
        rows.append({
            "number": key, "national": x.number if x else None,
            "international": y.number if y else None,
            "national_heading": x.heading if x else None,
            "international_heading": y.heading if y else None,
            "kind": (x or y).kind, "where": N_("both") if x and y else (
                N_("national only") if x else N_("international only")),
        })
    terms = _term_crosswalk(conn, nat, nat_lang, intl, intl_lang)
    one_side = [r for r in rows if r["where"] != "both"]
    moved_terms = [t for t in terms if t["national"] and t["international"] and
                   t["national"] != t["international"]]
    identical = not one_side and not moved_terms and all(
        t["national"] and t["international"] for t in terms)
    degree = adoption["degree"]
    result = {"national": nat, "international": intl, "degree": degree, "one_side": len(one_side),
              "moved_terms": len(moved_terms), "structurally_identical": identical}
    return {**result, "verdict": verdict(result),
            "languages": [nat_lang, intl_lang], "clauses": rows, "terms": terms,
            "counts": {"both": sum(r["where"] == "both" for r in rows),
                       "national only": sum(r["where"] == "national only" for r in rows),
                       "international only": sum(r["where"] == "international only"
                                                 for r in rows),
                       N_("terms matched"): sum(1 for t in terms if t["national"] and
                                            t["international"])}}


#: The sentences of :func:`verdict`, messages of the interface's catalogue.
_VERDICTS = {
    "IDT": N_("declared IDT but not structurally identical: {clauses} on one side only, "
              "{terms} under other numbers"),
    "identical": N_("structurally identical (same clauses, annexes and term entries)"),
    "other": N_("{degree}: {clauses} on one side only, {terms} under other numbers"),
    "adoption": N_("adoption"),
}


def verdict(result: dict, lang: str = "en") -> str:
    """What a :func:`crosswalk` found, in a sentence, in ``lang``."""
    def say(key: str, **values) -> str:
        return in_language(_VERDICTS[key], lang).format(**values)

    clauses = count(result["one_side"], "clause", lang=lang)
    terms = count(result["moved_terms"], "term", lang=lang)
    if result["degree"] == "IDT" and not result["structurally_identical"]:
        return say("IDT", clauses=clauses, terms=terms)
    if result["structurally_identical"]:
        return say("identical")
    return say("other", degree=result["degree"] or say("adoption"), clauses=clauses,
               terms=terms)


def _term_crosswalk(conn, nat, nat_lang, intl, intl_lang) -> list[dict]:
    """National term entries matched to international ones by their English equivalent."""
    national = sorted(dict_rows(conn, "select entry, preferred from terms where edition_id = ? "
                                "and language = ?", (nat, nat_lang)),
                      key=lambda t: clause_key(t["entry"]))
    equivalents = {r["entry"]: r["preferred"] for r in dict_rows(
        conn, "select entry, preferred from terms where edition_id = ? and language = ?",
        (nat, intl_lang))}
    international = sorted(dict_rows(conn, "select entry, preferred from terms where "
                                     "edition_id = ? and language = ?", (intl, intl_lang)),
                           key=lambda t: clause_key(t["entry"]))
    by_term = {t["preferred"].casefold(): t for t in international}
    out, used = [], set()
    for t in national:
        english = equivalents.get(t["entry"])
        match = by_term.get(english.casefold()) if english else None
        if match:
            used.add(match["entry"])
        out.append({"term": t["preferred"], "equivalent": english, "national": t["entry"],
                    "international": match["entry"] if match else None,
                    "international_term": match["preferred"] if match else None})
    out += [{"term": None, "equivalent": None, "national": None, "international": t["entry"],
             "international_term": t["preferred"]} for t in international
            if t["entry"] not in used]
    return sorted(out, key=lambda t: clause_key(t["national"] or t["international"]))
