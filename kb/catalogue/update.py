"""Keeping current: fetch the newest public Relaton archives and load them by the same rules.

``kb update`` downloads the relaton-data-iso and relaton-data-iec repositories as archives
(or the URLs it is given) into a cache folder beside the database, asks the server only for
what changed since the last download (ETag, Last-Modified), checks that each archive reads
to its end, and only then loads them through :class:`kb.catalogue.store.Store` — so the change log
(``kb changes``) records what the update changed, after Perinorm's update codes. Records
that did not change since they were loaded are recognised by their hash and cost nothing.

Offline, or when a server refuses, nothing is loaded and nothing in the database changes.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import tarfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

#: The public Relaton data, one archive per publisher: each repository's ``data/`` holds one
#: YAML record per document (https://github.com/relaton/relaton-data-iso).
SOURCES = {
    "relaton-data-iso": "https://github.com/relaton/relaton-data-iso/archive/refs/heads/main.tar.gz",
    "relaton-data-iec": "https://github.com/relaton/relaton-data-iec/archive/refs/heads/main.tar.gz",
}
#: Seconds to wait for a server before calling the machine offline.
TIMEOUT = 30.0
_CHUNK = 1 << 16
_STATE = "state.json"


class Offline(Exception):
    """A source cannot be reached: no network, no such host, refused, timed out."""


class UpdateError(Exception):
    """A source answered, but not with a readable archive."""


@dataclass
class Fetched:
    """One source after fetching: where its archive is and whether it is new."""

    name: str
    url: str
    path: Path
    fresh: bool  # downloaded now (False: the server said it has not changed)
    size: int
    loaded: bool  # this very archive has been loaded completely before


def cache_folder(db_path: str | Path) -> Path:
    """Where ``kb update`` keeps the archives of a knowledge base: beside it, so that the
    records' names (archive path ``!`` member) stay the same from one update to the next."""
    path = Path(db_path).resolve()
    return path.with_name(path.stem + ".updates")


def source_name(url: str) -> str:
    """A file name for a source URL: the known name, else the URL's last path segment."""
    for name, known in SOURCES.items():
        if url == known:
            return name
    parts = urlsplit(url)
    last = parts.path.rstrip("/").rsplit("/", 1)[-1] or parts.hostname or "source"
    suffix = _suffix(last)
    return last[: -len(suffix)] if last.endswith(suffix) else last


def _suffix(url: str) -> str:
    """The archive suffix a URL ends with (the relaton loader's), ``.tar.gz`` if none."""
    from loaders.relaton import ARCHIVES

    path = urlsplit(url).path
    return next((suffix for suffix in ARCHIVES if path.endswith(suffix)), ".tar.gz")


def read_state(folder: Path) -> dict:
    try:
        return json.loads((folder / _STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_state(folder: Path, state: dict) -> None:
    part = folder / (_STATE + ".part")
    part.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(part, folder / _STATE)


def fetch(url: str, folder: Path, state: dict,
          progress: Callable[[int, int | None], None] | None = None) -> Fetched:
    """Download ``url`` into ``folder`` unless the server says it has not changed.

    The archive is written beside its final name and replaces it only once it has arrived
    whole and reads to its end; ``state`` (per URL: ETag, Last-Modified, the archive's size)
    is updated in place.

    :param progress: called with (bytes received so far, total or None).
    :raises Offline: if the server cannot be reached.
    :raises UpdateError: for an HTTP error, a short or unreadable archive.
    """
    name = source_name(url)
    target = folder / (name + _suffix(url))
    known = state.get(url, {})
    request = urllib.request.Request(url, headers={"User-Agent": "standards-kb (kb update)"})
    if target.exists():
        if known.get("etag"):
            request.add_header("If-None-Match", known["etag"])
        if known.get("last_modified"):
            request.add_header("If-Modified-Since", known["last_modified"])
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as error:
        if error.code == 304 and target.exists():
            return Fetched(name, url, target, False, target.stat().st_size,
                           known.get("loaded") is True)
        raise UpdateError(f"{url}: HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise Offline(f"cannot reach {urlsplit(url).hostname} ({reason})") from None
    part = target.with_name(target.name + ".part")
    try:
        with response, open(part, "wb") as out:
            total = response.headers.get("Content-Length")
            total = int(total) if total and total.isdigit() else None
            received = 0
            digest = hashlib.sha256()
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                if progress:
                    progress(received, total)
        if total is not None and received != total:
            raise UpdateError(f"{url}: the download stopped after {received:,} of "
                              f"{total:,} bytes")
        _check_archive(part, url)
    except (TimeoutError, ConnectionError) as error:
        part.unlink(missing_ok=True)
        raise Offline(f"lost {urlsplit(url).hostname} during the download ({error})") from None
    except http.client.HTTPException as error:
        part.unlink(missing_ok=True)
        raise UpdateError(f"{url}: the download broke off ({error!r})") from None
    except OSError as error:  # the disk, not the network
        part.unlink(missing_ok=True)
        raise UpdateError(f"{part}: cannot write the download ({error})") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, target)
    sha256 = digest.hexdigest()
    # a server without ETag or Last-Modified sends everything again: the same bytes as an
    # archive already loaded are not new
    same = sha256 == known.get("sha256") and known.get("loaded") is True
    state[url] = {"etag": response.headers.get("ETag"),
                  "last_modified": response.headers.get("Last-Modified"),
                  "size": received, "sha256": sha256, "loaded": same}
    return Fetched(name, url, target, not same, received, same)


def _check_archive(path: Path, url: str) -> None:
    """Read the whole archive once: a damaged download is refused before anything loads."""
    from loaders.relaton import ARCHIVE_ERRORS, archive_error, archive_mode

    try:
        with tarfile.open(path, archive_mode(path.name[:-len(".part")])) as archive:
            members = sum(1 for member in archive if member.isfile())
    except ARCHIVE_ERRORS as error:
        raise UpdateError(f"{url}: not a readable archive ({archive_error(error)})") from None
    if not members:
        raise UpdateError(f"{url}: the archive holds no files")


def mark_loaded(state: dict, fetched: list[Fetched]) -> None:
    """Remember that these archives loaded completely (a later 304 then skips them)."""
    for f in fetched:
        state.setdefault(f.url, {})["loaded"] = True


def changed_editions(conn, after: int) -> dict[str, int]:
    """How many editions each kind of change (new, changed, withdrawn, replaced) touched in
    the changes logged after change ``after`` (:func:`kb.catalogue.queries.last_change`)."""
    from kb.catalogue import queries
    from kb.catalogue.facts import CHANGE_CODES

    counts = queries.change_counts(conn, after=after, editions=True)
    return {name: counts.get(code, 0) for code, name in CHANGE_CODES.items()}
