"""Bytes of a corpus file -> the normalised text every offset refers to.

Corpus files must be UTF-8. Anything else is refused with a message that names
the file, the line where it helps, and how to fix it, because guessing an
encoding silently corrupts names ("Ceauşescu" -> "CeauÅŸescu") and a wrong
name is worse than a skipped document.

Archives feed Fond whatever their scanners and scrapers produced, so the checks
here come before anything else reads a file: the file name (UTF-8, no control
characters), where the file really is (a link out of the corpus is refused, so
that a build never publishes a file from elsewhere on the machine), its size
(from ``stat``, before a single byte is read), and what the bytes are (PDF, Word,
images, UTF-16/32, Latin-1, mojibake, control characters, huge lines).
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from pathlib import Path

from mappings.errors import DocumentError

MAX_BYTES = 50_000_000
MAX_LINE = 1_000_000
# UTF-8 text decoded as Latin-1/CP-1252 and saved again: "â€™", "Ã©", "Â ", "WaÅ‚Ä™sa",
# "CeauÈ™escu", "Ð“Ð¾Ñ€Ð±Ð°Ñ‡ÐµÐ²": a UTF-8 lead byte read as a letter (Â-Þ for two-byte
# sequences, à-ï for three) followed by continuation bytes read as Windows-1252.
_CONTINUATION = (
    "\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039"
    "\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153"
    "\u017e\u0178"
)
MOJIBAKE = re.compile(rf"[\u00c2-\u00de][{_CONTINUATION}]|[\u00e0-\u00ef][{_CONTINUATION}]{{2}}")
FORBIDDEN_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# Formats that are not plain text, by their first bytes: what they are and what to do.
MAGIC = (
    (b"%PDF", "a PDF file", "extract its text first (e.g. pdftotext) and save it as UTF-8 .txt"),
    (b"PK\x03\x04", "a ZIP archive (or a .docx/.odt)", "save the document's text as UTF-8 .txt"),
    (b"\xd0\xcf\x11\xe0", "a Word 97-2003 (.doc) file", "save the document as UTF-8 .txt"),
    (b"{\\rtf", "an RTF file", "save the document as plain UTF-8 .txt"),
    (b"\x89PNG", "a PNG image", "transcribe or OCR the scan and save the text as UTF-8 .txt"),
    (b"\xff\xd8\xff", "a JPEG image", "transcribe or OCR the scan and save the text as UTF-8 .txt"),
    (b"GIF8", "a GIF image", "transcribe or OCR the scan and save the text as UTF-8 .txt"),
    (b"II*\x00", "a TIFF image", "transcribe or OCR the scan and save the text as UTF-8 .txt"),
    (b"MM\x00*", "a TIFF image", "transcribe or OCR the scan and save the text as UTF-8 .txt"),
    (b"\x1f\x8b", "a gzip file", "decompress it first"),
)
# Path segments Fond uses inside the IRIs it mints below a text or document
# (``.../text/{id}/evidence/title``): a corpus folder of that name would give a text
# the IRI of another text's evidence node. See mappings/to_rdf/iris.py.
RESERVED_SEGMENTS = frozenset(
    {"evidence", "mention", "target", "position", "quote", "overlap", "archival-reference"}
)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def display_name(relative: Path) -> str:
    """The corpus-relative name used in messages and in the graph; refuses hostile names.

    A name that is not UTF-8 (a scanner's Latin-1 file name arrives as lone surrogates)
    or that holds control characters (a newline in a scraped title) would break every
    message and literal that quotes it; a right-to-left override makes 'report.txt'
    show as something else.
    """
    name = relative.as_posix()
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(name).decode("utf-8", "backslashreplace")
        raise DocumentError(
            shown,
            "the file name is not UTF-8 (probably Latin-1 or Windows-1252)",
            "rename the file, e.g. with convmv -f latin1 -t utf-8",
        ) from None
    bad = (
        FORBIDDEN_CONTROL.search(name)
        or re.search(r"[\n\r\t\x0c\x85\u2028\u2029]", name)
        or BIDI_CONTROLS.search(name)
    )
    if bad:
        shown = name.encode("unicode_escape").decode("ascii")
        what = "bidirectional control" if BIDI_CONTROLS.match(bad.group()) else "control"
        raise DocumentError(
            shown,
            f"the file name contains the {what} character U+{ord(bad.group()):04X}",
            "rename the file",
        )
    return name


def read_corpus_bytes(path: Path, corpus: Path, shown: str, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a corpus file, checked before they are read.

    The size comes from ``stat`` (a 200 MB scan is refused without reading it), the read
    itself is bounded (a file that grows meanwhile cannot exhaust memory), and a file
    that resolves to a place outside the corpus (a symbolic link to /etc/passwd) is
    refused, so that nothing outside the corpus leaks into a published dump.
    """
    try:
        real = path.resolve(strict=True)
        if not real.is_relative_to(corpus.resolve()):
            raise DocumentError(
                shown,
                "the file is a link to a file outside the corpus",
                "copy the file into the corpus instead of linking to it",
            )
        info = real.stat()
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError(shown, "is not a regular file", "give a plain .txt file")
        if info.st_size > limit:
            raise DocumentError(shown, *_too_big(info.st_size, limit))
        with real.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as error:
        raise DocumentError(shown, f"cannot be read: {error.strerror or error}") from None
    if len(data) > limit:
        raise DocumentError(shown, *_too_big(len(data), limit))
    return data


def _too_big(size: int, limit: int) -> tuple[str, str]:
    return (
        f"the file is {size / 1e6:,.0f} MB, over the {limit / 1e6:,.0f} MB limit",
        "split it into one file per document",
    )


def check_id_segments(text_id: str, shown: str) -> str:
    """A text id must not put a segment Fond reserves below another text's IRI."""
    for segment in text_id.split("/")[1:]:
        if segment in RESERVED_SEGMENTS:
            raise DocumentError(
                shown,
                f"the folder or file name {segment!r} is reserved: Fond mints"
                f" '.../{segment}/...' IRIs below each text, so this file's IRI could be"
                " another text's",
                "rename it, or set a distinct `id` in its catalogue record",
            )
    return text_id


def _utf16_without_bom(head: bytes) -> bool:
    """Mostly-ASCII UTF-16 text: every other byte is NUL."""
    if len(head) < 8:
        return False
    even, odd = head[0::2], head[1::2]
    return odd.count(0) > 0.8 * len(odd) or even.count(0) > 0.8 * len(even)


def decode_text(data: bytes, path: str) -> tuple[str, list[str]]:
    """Strict UTF-8 (a BOM is dropped) -> NFC text with \\n line ends; returns (text, warnings)."""
    warnings: list[str] = []
    if not data.strip():
        raise DocumentError(path, "the file is empty", "remove it or add the document's text")
    if len(data) > MAX_BYTES:
        raise DocumentError(path, *_too_big(len(data), MAX_BYTES))
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        raise DocumentError(
            path, "the file is UTF-32, not UTF-8", "convert it: iconv -f UTF-32 -t UTF-8"
        )
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise DocumentError(
            path, "the file is UTF-16, not UTF-8", "convert it: iconv -f UTF-16 -t UTF-8"
        )
    for magic, what, hint in MAGIC:
        if data.startswith(magic):
            raise DocumentError(path, f"the file is {what}, not plain text", hint)
    if b"\x00" in data[:8192]:
        if _utf16_without_bom(data[:8192]):
            raise DocumentError(
                path,
                "the file looks like UTF-16 without a byte order mark, not UTF-8",
                "convert it: iconv -f UTF-16LE -t UTF-8 (or UTF-16BE)",
            )
        raise DocumentError(path, "the file is binary (it contains NUL bytes)", "give a .txt file")
    if data.startswith(b"\xef\xbb\xbf"):
        warnings.append("a UTF-8 byte order mark was removed")
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise DocumentError(
            path,
            f"line {line}: byte 0x{data[error.start]:02x} is not UTF-8"
            " (the file looks like Latin-1 or Windows-1252)",
            "convert it: iconv -f WINDOWS-1252 -t UTF-8",
        ) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        warnings.append("Windows or old Mac line endings were converted to \\n")
    text = text.replace("\f", "\n")
    longest, start = 0, 0
    for offset, line in _lines(text):
        if len(line) > longest:
            longest, start = len(line), offset
    if longest > MAX_LINE:
        raise DocumentError(
            path,
            f"line {_line_of(text, start)}: the line is {longest:,} characters long"
            f" (the limit is {MAX_LINE:,})",
            "the file is probably not a document text; give it line breaks",
        )
    text = unicodedata.normalize("NFC", text)
    bad = FORBIDDEN_CONTROL.search(text)
    if bad:
        raise DocumentError(
            path,
            f"line {_line_of(text, bad.start())}: control character U+{ord(bad.group()):04X}",
            "remove it; corpus files are plain text",
        )
    garbled = MOJIBAKE.search(text)
    if garbled:
        raise DocumentError(
            path,
            f"line {_line_of(text, garbled.start())}: {garbled.group()!r} looks like mojibake"
            " (UTF-8 that was decoded as Windows-1252 and saved again)",
            'repair it, e.g. with python -c "import ftfy" or by re-exporting the source',
        )
    bidi = BIDI_CONTROLS.search(text)
    if bidi:
        warnings.append(
            f"line {_line_of(text, bidi.start())}: a bidirectional control character"
            f" U+{ord(bidi.group()):04X} is kept in the text but not in names"
        )
    return text, warnings


def _lines(text: str):  # noqa: ANN202 - a private generator of (offset, line)
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def check_value(value: str, where: str) -> str:
    """A string from a catalogue record: NFC, \\n line ends, no other control characters
    (but tab), no mojibake. Returns the value; raises ValueError naming the problem."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    bad = FORBIDDEN_CONTROL.search(value)
    if bad:
        raise ValueError(
            f"{where} contains the control character U+{ord(bad.group()):04X}; remove it"
        )
    garbled = MOJIBAKE.search(value)
    if garbled:
        raise ValueError(
            f"{where} contains {garbled.group()!r}, which looks like mojibake (UTF-8 decoded as"
            " Windows-1252); write the characters as they should read"
        )
    return value
