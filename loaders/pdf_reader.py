"""Read a PDF's text in a process of its own, bounded in memory and time.

pdfminer inflates each stream whole and follows the page tree wherever it leads, so a small
crafted PDF can ask for gigabytes or hours.  :func:`pages` runs this module as a child
process with an address-space limit (:data:`loaders.bounds.PDF_MEMORY`) and a processor-time
limit (:data:`loaders.bounds.PDF_SECONDS`); the child reads the PDF from standard input and
writes ``{"pages": [...]}`` or ``{"error": "..."}`` as JSON.  Whatever the PDF does, the
caller gets the pages' text or a :class:`~kb.catalogue.model.LoadError` in one line.
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys

from kb.catalogue.model import LoadError
from loaders import bounds


def pages(data: bytes) -> list[str]:
    """The text of each page of a PDF.

    :raises LoadError: for an encrypted, damaged, too large or too costly PDF.
    """
    def limit() -> None:  # in the child, before it runs Python
        resource.setrlimit(resource.RLIMIT_AS, (bounds.PDF_MEMORY, bounds.PDF_MEMORY))
        resource.setrlimit(resource.RLIMIT_CPU, (bounds.PDF_SECONDS, bounds.PDF_SECONDS + 5))

    try:
        done = subprocess.run([sys.executable, "-m", "loaders.pdf_reader"], input=data,
                              capture_output=True, preexec_fn=limit,
                              timeout=bounds.PDF_SECONDS * 2)
    except subprocess.TimeoutExpired:
        raise LoadError(f"reading the PDF took more than {bounds.PDF_SECONDS * 2} s: "
                        "refused") from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        if done.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
            raise LoadError(f"reading the PDF took more than {bounds.PDF_SECONDS} s of "
                            "processor time: refused") from None
        if b"MemoryError" in done.stderr:
            raise LoadError(f"reading the PDF needs more than {bounds.PDF_MEMORY >> 20} MB: "
                            "refused") from None
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"]
        raise LoadError(f"not a readable PDF ({tail[-1]})") from None
    if "error" in answer:
        raise LoadError(answer["error"])
    return answer["pages"]


def _read(data: bytes) -> dict:
    import io

    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            objects = sum(len(x.get_objids()) for x in pdf.doc.xrefs)
            if objects > bounds.PDF_OBJECTS:
                return {"error": f"{objects:,} objects in the PDF (at most "
                                 f"{bounds.PDF_OBJECTS:,})"}
            texts = []
            for number, page in enumerate(pdf.pages, 1):
                if number > bounds.PDF_PAGES:
                    return {"error": f"more than {bounds.PDF_PAGES:,} pages in the PDF"}
                texts.append(page.extract_text() or "")
                page.flush_cache()
    except MemoryError:
        return {"error": f"reading the PDF needs more than {bounds.PDF_MEMORY >> 20} MB: "
                         "refused"}
    except RecursionError:
        return {"error": "the PDF's objects nest too deeply: refused"}
    except PDFPasswordIncorrect:
        return {"error": "the PDF is encrypted: give a decrypted copy"}
    except (PDFSyntaxError, ValueError, TypeError) as error:
        return {"error": f"not a readable PDF ({type(error).__name__}: {error})"}
    except Exception as error:  # noqa: BLE001 - pdfminer raises many kinds on damaged files
        if "password" in str(error).lower() or "encrypt" in str(error).lower():
            return {"error": "the PDF is encrypted: give a decrypted copy"}
        if "allocate" in str(error).lower():  # zlib's own MemoryError, wrapped by pdfminer
            return {"error": f"reading the PDF needs more than {bounds.PDF_MEMORY >> 20} MB: "
                             "refused"}
        return {"error": f"not a readable PDF ({type(error).__name__}: {error})"}
    return {"pages": texts}


if __name__ == "__main__":
    sys.setrecursionlimit(5_000)
    result = _read(sys.stdin.buffer.read())
    sys.stdout.write(json.dumps(result, ensure_ascii=False))
