"""Every IRI Fond mints, derived the same way each time from stable ids.

Ids are made of ``[A-Za-z0-9._-]`` segments (joined by ``/`` for text ids from
sub-folders), so every IRI is valid (RFC 3987) without escaping and is stable
across rebuilds and across adding other documents. The base is configurable
(``--base``); it must be an absolute http(s) IRI ending in ``/`` or ``#``.

No id may hold a ``..`` (a dot-segment that IRI resolution would remove) or, below
its first segment, a name Fond uses for the nodes it mints inside a text or document
(``.../evidence/``, ``.../mention/``: see RESERVED_SEGMENTS), so no two things share
an IRI. Names from documents reach IRIs only through ``stable_slug``: ASCII, and a
short hash when a script or a look-alike character would otherwise be dropped.
"""

from __future__ import annotations

import re

from mappings.align.gazetteer import slugify, stable_slug
from mappings.errors import InputError
from mappings.read.text import RESERVED_SEGMENTS

FOND = "https://w3id.org/fond/ns#"
DEFAULT_BASE = "https://w3id.org/fond/id/"
WIKIDATA = "http://www.wikidata.org/entity/"
BASE_PATTERN = re.compile(r"^https?://[A-Za-z0-9.\-]+(?::\d+)?(?:/[A-Za-z0-9._~\-/]*)?[/#]$")
ID_PATTERN = re.compile(r"^[A-Za-z0-9._\-]+(?:/[A-Za-z0-9._\-]+)*$")


def check_base(base: str) -> str:
    if not BASE_PATTERN.fullmatch(base):
        raise InputError(
            f"base IRI {base!r} must be an absolute http(s) IRI ending in '/' or '#',"
            " e.g. https://w3id.org/fond/id/"
        )
    return base


def _id(value: str) -> str:
    if not ID_PATTERN.fullmatch(value) or ".." in value:
        raise InputError(f"{value!r} cannot be used in an IRI (allowed: letters, digits, . _ - /)")
    if any(part in RESERVED_SEGMENTS or part == "." for part in value.split("/")[1:]):
        raise InputError(f"{value!r} cannot be used in an IRI: it uses a reserved segment")
    return value


class Iris:
    def __init__(self, base: str = DEFAULT_BASE) -> None:
        self.base = check_base(base)

    def text(self, text_id: str) -> str:
        return f"{self.base}text/{_id(text_id)}"

    def work(self, work_id: str) -> str:
        return f"{self.base}doc/{_id(work_id)}"

    def entity(self, entity_id: str) -> str:
        return f"{self.base}entity/{_id(entity_id)}"

    def doc_type(self, key: str) -> str:
        return f"{self.base}type/{_id(key)}"

    def type_scheme(self) -> str:
        return f"{self.base}type/"

    def source(self, title: str, year: str | None) -> str:
        slug = stable_slug(title, slugify(title)[:80].strip("-")) or "source"
        return f"{self.base}source/{slug}" + (f"-{slugify(year)}" if year else "")

    def dataset(self) -> str:
        return f"{self.base}dataset"


def wikidata(qid: str) -> str:
    if not re.fullmatch(r"Q[1-9][0-9]*", qid):
        raise InputError(f"{qid!r} is not a Wikidata item id")
    return WIKIDATA + qid
