"""Bytes of a corpus file -> the normalised text every offset refers to.

Corpus files must be UTF-8. Anything else is refused with a message that names
the file, the line where it helps, and how to fix it, because guessing an
encoding silently corrupts names ("Ceauşescu" -> "CeauÅŸescu") and a wrong
name is worse than a skipped document.
"""

from __future__ import annotations

import re
import unicodedata

from mappings.errors import DocumentError

MAX_BYTES = 50 * 1024 * 1024
MAX_LINE = 1_000_000
# UTF-8 text decoded as Latin-1/CP-1252 and saved again: "â€™", "Ã©", "Â ".
MOJIBAKE = re.compile(r"â€[™œ\u009d“”˜¦¢]|Ã[\u0080-\u00bf©¨§¤¡¢£«»®°±´µ¶·¹º¼½¾¿]|Â[\u00a0-\u00bf]")
FORBIDDEN_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def decode_text(data: bytes, path: str) -> tuple[str, list[str]]:
    """Strict UTF-8 (a BOM is dropped) -> NFC text with \\n line ends; returns (text, warnings)."""
    warnings: list[str] = []
    if not data.strip():
        raise DocumentError(path, "the file is empty", "remove it or add the document's text")
    if len(data) > MAX_BYTES:
        raise DocumentError(
            path,
            f"the file is {len(data) / 1e6:.0f} MB, over the {MAX_BYTES // 1_000_000} MB limit",
            "split it into one file per document",
        )
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise DocumentError(
            path, "the file is UTF-16, not UTF-8", "convert it: iconv -f UTF-16 -t UTF-8"
        )
    if b"\x00" in data[:8192]:
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
    longest = max(len(line) for line in text.split("\n"))
    if longest > MAX_LINE:
        raise DocumentError(
            path,
            f"a line is {longest:,} characters long",
            "the file is probably not a document text; give it line breaks",
        )
    return text, warnings
