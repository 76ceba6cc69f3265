"""How messages read: counts (``1 file``, ``2 files``, ``12,345 records``, in Chinese
``244 个词``), and the mark of a text meant for the interface's catalogue (:func:`N_`)."""

from __future__ import annotations

_IRREGULAR = {"entry": "entries", "child": "children", "index": "indexes"}


def N_(text: str) -> str:  # noqa: N802 - gettext's own name for the mark, which pybabel reads
    """Mark ``text`` as an interface message (``pybabel extract`` collects it into
    kb/web/locale/messages.pot); returns it unchanged.  Translate it where it is shown, in
    the interface's language (:func:`in_language`, or ``_()`` in a template)."""
    return text


def in_language(text: str, lang: str = "en") -> str:
    """An interface message (English) in ``lang``, from the interface's catalogue
    (:mod:`kb.web.i18n`); English is the message itself."""
    if lang == "en":
        return text
    from kb.web.i18n import gettext

    return gettext(text, lang)


#: The nouns :func:`count` says in another language than English, as catalogue messages.
COUNTED = {"word": N_("{n} word"), "clause": N_("{n} clause"), "term": N_("{n} term")}


def count(n: int, noun: str, plural: str | None = None, lang: str = "en") -> str:
    """``n`` with its noun, singular for one (``1 file``) and plural otherwise, the number with
    thousands separators; in another ``lang`` (``zh``) the noun's message of :data:`COUNTED`
    in that language (``244 个词``).

    :raises ValueError: for a noun :data:`COUNTED` lacks, in a language other than English.
    """
    if lang != "en":
        if noun not in COUNTED:
            raise ValueError(f"no {lang} form of {noun!r}: add it to kb.wording.COUNTED")
        return in_language(COUNTED[noun], lang).format(n=f"{n:,}")
    if n == 1:
        return f"1 {noun}"
    return f"{n:,} {plural or _IRREGULAR.get(noun) or noun + 's'}"
