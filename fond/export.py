"""Dump writers: N-Triples, Turtle and JSON-LD, written block by block, atomically.

The build hands over blocks of canonical N-Triples lines (one block per text,
then the shared block of entities and publications). Each writer appends to a
file in a staging folder; ``Staging.commit`` moves the finished files over the
published ones with ``os.replace`` only after the whole build has succeeded, so
a failed or killed run never leaves half-written dumps or damages the last
good ones.

JSON-LD is written from the triples with the published context
(ontology/context.jsonld), embedded in the dump so that it reads offline: a
term of the context is used only where its definition fits the value exactly
(an IRI for "@type": "@id" terms, the right datatype for typed terms), else the
value is written in expanded form under a compact IRI. pyld's expansion of the
dump gives the same graph as the Turtle dump (tested).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from json.encoder import encode_basestring
from pathlib import Path
from typing import IO, Any

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, parse, serialize

from mappings.errors import InputError

ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
FOND_NS = "https://w3id.org/fond/ns#"


# One encoder each, made once: json.dumps with options builds a new encoder per call, and
# the dumps encode about a hundred nodes per document. The output is json.dumps's.
_encode_node = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_encode_sorted = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def _sort_key(value: Any) -> str:
    """The order of a property's values: by their JSON text, as json.dumps(sort_keys=True)."""
    return encode_basestring(value) if type(value) is str else _encode_sorted(value)


@lru_cache(maxsize=1)
def context_document() -> dict[str, Any]:
    return json.loads((ONTOLOGY / "context.jsonld").read_text(encoding="utf-8"))


class _Compactor:
    """Compacts IRIs and values with the published context (no remote lookups)."""

    def __init__(self, context: dict[str, Any]) -> None:
        self.prefixes: list[tuple[str, str]] = []
        self.terms: dict[str, tuple[str, str | None]] = {}  # predicate IRI -> (term, coercion)
        self._compacted: dict[str, str] = {}  # IRI -> compact IRI (predicates, classes, types)
        self._plans: dict[tuple[str, str | None], tuple[str, Any]] = {}
        for key, value in context.items():
            if key.startswith("@"):
                continue
            if isinstance(value, str) and value.endswith(("/", "#")) and ":" in value:
                self.prefixes.append((key, value))
        self.prefixes.sort(key=lambda kv: -len(kv[1]))
        for key, value in context.items():
            if isinstance(value, dict) and "@id" in value:
                iri = self.expand(value["@id"])
                coercion = value.get("@type")
                self.terms[iri] = (
                    key,
                    self.expand(coercion) if coercion and coercion != "@id" else coercion,
                )

    def expand(self, curie: str) -> str:
        prefix, _, local = curie.partition(":")
        for key, ns in self.prefixes:
            if key == prefix:
                return ns + local
        return curie

    def compact(self, iri: str) -> str:
        found = self._compacted.get(iri)
        if found is None:
            found = self._compacted[iri] = self._compact(iri)
        return found

    def _compact(self, iri: str) -> str:
        for key, ns in self.prefixes:
            if iri.startswith(ns) and len(iri) > len(ns):
                local = iri[len(ns) :]
                if not local.startswith("//") and "#" not in local[:0]:
                    return f"{key}:{local}"
        return iri

    def value(self, obj: NamedNode | Literal, coercion: str | None) -> Any:
        if isinstance(obj, NamedNode):
            return obj.value if coercion == "@id" else {"@id": obj.value}
        datatype = obj.datatype.value
        if obj.language:
            return {"@value": obj.value, "@language": obj.language}
        if coercion and coercion != "@id" and coercion == datatype:
            return obj.value
        if datatype == XSD_STRING and coercion is None:
            return obj.value
        return {"@value": obj.value, "@type": self.compact(datatype)}

    def _decide(self, predicate: str, is_iri: bool, datatype: str | None) -> tuple[str, Any]:
        """The key and coercion for a predicate and kind of value (a term only if it fits)."""
        term = self.terms.get(predicate)
        if term is not None:
            name, coercion = term
            fits = (coercion == "@id") == is_iri or coercion is None
            if fits and not (not is_iri and coercion not in (None, datatype)):
                return name, coercion
        return self.compact(predicate), None

    def node(self, subject: str, triples: list[Triple]) -> dict[str, Any]:
        out: dict[str, Any] = {"@id": subject}
        types: list[str] = []
        values: dict[str, list[Any]] = {}
        plans = self._plans
        for t in triples:
            obj = t.object
            predicate = t.predicate.value
            is_iri = isinstance(obj, NamedNode)
            if is_iri and predicate == RDF_TYPE:
                types.append(self.compact(obj.value))
                continue
            key = (predicate, None if is_iri else obj.datatype.value)
            plan = plans.get(key)
            if plan is None:
                plan = plans[key] = self._decide(predicate, is_iri, key[1])
            name, coercion = plan
            found = values.get(name)
            if found is None:
                values[name] = [self.value(obj, coercion)]
            else:
                found.append(self.value(obj, coercion))
        if types:
            out["@type"] = sorted(types) if len(types) > 1 else types[0]
        for key in sorted(values):
            items = values[key]
            if len(items) == 1:
                out[key] = items[0]
            else:
                out[key] = sorted(items, key=_sort_key)
        return out


def parse_block(lines: list[str]) -> list[Triple]:
    data = "".join(lines).encode("utf-8")
    return list(parse(input=data, format=RdfFormat.N_TRIPLES))


@lru_cache(maxsize=1)
def _compactor() -> _Compactor:
    return _Compactor(context_document()["@context"])


@dataclass
class Fragment:
    """A block (or a batch of blocks) rendered in the three dump formats, ready to append.

    Rendering is the costly part of writing the dumps, so it happens in the workers; the
    main process only appends bytes, in order. ``part`` names part files on disk instead of
    bytes in memory (a distributed engine's workers write them; the final step merges).
    """

    nt: bytes = b""
    ttl: bytes = b""
    jsonld: bytes = b""  # nodes, each indented, joined by ",\n"
    triples: int = 0
    subjects: int = 0
    classes: dict[str, int] = field(default_factory=dict)
    part: str | None = None

    @staticmethod
    def join(fragments: list[Fragment]) -> Fragment:
        """Consecutive blocks as one fragment: the same bytes as appending them one by one."""
        classes: dict[str, int] = {}
        for f in fragments:
            for key, n in f.classes.items():
                classes[key] = classes.get(key, 0) + n
        return Fragment(
            b"".join(f.nt for f in fragments),
            b"".join(f.ttl for f in fragments),
            b",\n".join(f.jsonld for f in fragments if f.jsonld),
            sum(f.triples for f in fragments),
            sum(f.subjects for f in fragments),
            classes,
        )

    def to_parts(self, folder: Path, index: int) -> Fragment:
        """Write the three formats as part files; return the fragment without its bytes."""
        folder.mkdir(parents=True, exist_ok=True)
        stem = folder / f"part-{index:07d}"
        for suffix, data in ((".nt", self.nt), (".ttl", self.ttl), (".jsonld", self.jsonld)):
            tmp = stem.with_suffix(suffix + ".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, stem.with_suffix(suffix))
        return Fragment(
            triples=self.triples, subjects=self.subjects, classes=self.classes, part=str(stem)
        )

    def read(self, suffix: str) -> bytes:
        """The bytes of one format (".nt", ".ttl", ".jsonld"), from memory or a part file."""
        if self.part is None:
            return {".nt": self.nt, ".ttl": self.ttl, ".jsonld": self.jsonld}[suffix]
        return Path(self.part + suffix).read_bytes()

    def discard_parts(self) -> None:
        if self.part is not None:
            for suffix in (".nt", ".ttl", ".jsonld"):
                Path(self.part + suffix).unlink(missing_ok=True)


def render_block(
    lines: list[str], triples: list[Triple] | None, prefixes: dict[str, str]
) -> Fragment:
    """One block of canonical N-Triples lines (sorted, no duplicates) in the three formats.

    ``triples`` are the same statements as pyoxigraph terms, in the same order (the mapper
    has them; None parses the lines again).
    """
    if not lines:
        return Fragment()
    if triples is None:
        triples = parse_block(lines)
    turtle = serialize(triples, format=RdfFormat.TURTLE, prefixes=prefixes)
    assert turtle is not None
    # Our own sorted prefix header, once, by the writer: the serializer's is not part of its
    # contract.
    body = b"\n".join(line for line in turtle.split(b"\n") if not line.startswith(b"@prefix "))
    by_subject: dict[str, list[Triple]] = defaultdict(list)
    classes: dict[str, int] = {}
    for t in triples:
        by_subject[t.subject.value].append(t)
        if t.predicate.value == RDF_TYPE:
            cls = t.object.value
            if cls.startswith(FOND_NS):
                classes[cls] = classes.get(cls, 0) + 1
    compactor = _compactor()
    nodes = []
    for subject in sorted(by_subject):
        node = compactor.node(subject, by_subject[subject])
        text = _encode_node(node)
        nodes.append(b"  " + text.encode("utf-8"))
    return Fragment(
        "".join(lines).encode("utf-8"),
        body.strip(b"\n") + b"\n",
        b",\n".join(nodes),
        len(lines),
        len(by_subject),
        classes,
    )


class DumpWriter:
    """Appends blocks to dataset.nt, dataset.ttl and dataset.jsonld in a staging folder."""

    def __init__(self, folder: Path, prefixes: dict[str, str]) -> None:
        self.folder = folder
        self.prefixes = prefixes
        self.nt: IO[bytes] = open(folder / "dataset.nt", "wb")  # noqa: SIM115 - closed in close()
        self.ttl: IO[bytes] = open(folder / "dataset.ttl", "wb")  # noqa: SIM115
        self.jsonld: IO[bytes] = open(folder / "dataset.jsonld", "wb")  # noqa: SIM115
        self.digests = {
            name: hashlib.sha256() for name in ("dataset.nt", "dataset.ttl", "dataset.jsonld")
        }
        self.bytes = dict.fromkeys(self.digests, 0)
        self.triples = 0
        self.subjects = 0
        self.classes: dict[str, int] = {}
        self._first_ttl = True
        self._first_node = True
        header = json.dumps(
            {"@context": context_document()["@context"]}, indent=1, ensure_ascii=False
        )
        self._write("dataset.jsonld", header[:-2].encode("utf-8") + b',\n "@graph": [\n')

    def _write(self, name: str, data: bytes) -> None:
        """Append, hashing as we go: the checksums cost no second read of the dumps."""
        {"dataset.nt": self.nt, "dataset.ttl": self.ttl, "dataset.jsonld": self.jsonld}[name].write(
            data
        )
        self.digests[name].update(data)
        self.bytes[name] += len(data)

    def write_block(self, lines: list[str]) -> None:
        """One block of canonical N-Triples lines (sorted, no duplicates)."""
        self.write_fragment(render_block(lines, None, self.prefixes))

    def write_fragment(self, fragment: Fragment) -> None:
        """Append a rendered block or batch (bytes or part files), in order."""
        if not fragment.triples:
            return
        self._write("dataset.nt", fragment.read(".nt"))
        if self._first_ttl:
            header = "".join(f"@prefix {k}: <{v}> .\n" for k, v in sorted(self.prefixes.items()))
            self._write("dataset.ttl", header.encode("utf-8") + b"\n")
            self._first_ttl = False
        self._write("dataset.ttl", fragment.read(".ttl"))
        self._write(
            "dataset.jsonld", (b"" if self._first_node else b",\n") + fragment.read(".jsonld")
        )
        self._first_node = False
        self.triples += fragment.triples
        self.subjects += fragment.subjects
        for key, n in fragment.classes.items():
            self.classes[key] = self.classes.get(key, 0) + n

    def sizes(self) -> dict[str, int]:
        """Bytes written to each dump (for the DCAT distributions)."""
        return dict(self.bytes)

    def checksums(self) -> dict[str, str]:
        """SHA-256 of each dump, as sha256_of would give after close()."""
        return {name: digest.hexdigest() for name, digest in self.digests.items()}

    def close(self) -> None:
        self._write("dataset.jsonld", b"\n ]\n}\n")
        for f in (self.nt, self.ttl, self.jsonld):
            f.flush()
            os.fsync(f.fileno())
            f.close()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


STAGING_PREFIX = ".fond-staging-"
JOURNAL = "COMMIT"  # in a staging folder: the names to move, written once all are complete
LOCK_WAIT = 30.0  # seconds a build waits for another build writing to the same folder

_held_locks: set[int] = set()


def _close_locks_in_child() -> None:
    # A forked worker must not keep the build's lock alive after the build dies.
    for fd in list(_held_locks):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held_locks.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_locks_in_child)


def _fsync_path(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replay(staging: Path, out: Path) -> list[str]:
    """Finish a commit: move every file its journal names that is still in staging.

    Idempotent, so a commit interrupted at any rename (a kill, a power cut) is finished
    by the next run; returns the names moved.
    """
    names = (staging / JOURNAL).read_text(encoding="utf-8").splitlines()
    moved = []
    for name in names:
        if not name or name != Path(name).name or name.startswith("."):
            continue  # only plain file names are ever journaled
        try:
            os.replace(staging / name, out / name)
            moved.append(name)
        except FileNotFoundError:
            pass  # moved before the interruption
    _fsync_path(out, directory=True)
    shutil.rmtree(staging, ignore_errors=True)
    return moved


def recover(out: Path) -> list[str]:
    """Clean up after builds that were killed; returns what was done, for the log.

    A staging folder with a journal was interrupted while committing: its files are
    complete, so the commit is finished (rolled forward) and the published set is
    whole again. A staging folder without one was interrupted while building: the
    published files were never touched, and the half-written files are removed. Temp
    files of ``atomic_write_text`` are removed too.
    """
    done = []
    for stale in sorted(out.glob(STAGING_PREFIX + "*")):
        if (stale / JOURNAL).is_file():
            moved = _replay(stale, out)
            done.append(f"finished an interrupted commit ({', '.join(moved) or 'nothing left'})")
        else:
            shutil.rmtree(stale, ignore_errors=True)
            done.append(f"removed the unfinished build {stale.name}")
    for tmp in sorted(out.glob(".*.tmp")):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)
            done.append(f"removed the temp file {tmp.name}")
    return done


class Staging:
    """A folder beside the output where a build writes; committed file by file at the end.

    Only one build writes to an output folder at a time (a lock on the folder, released
    when the process ends however it ends). Starting a build first recovers from a build
    that was killed (see ``recover``). ``commit`` writes a journal before it moves any
    file, so an interrupted commit is finished by the next run, never left half done.
    """

    def __init__(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.out = out
        self._lock = _lock_folder(out)
        try:
            self.recovered = recover(out)
            self.path = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
        except BaseException:
            self._unlock()
            raise

    def write_text(self, name: str, text: str) -> Path:
        path = self.path / name
        with path.open("w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        return path

    def commit(self, names: list[str]) -> None:
        """Replace the published files: all of them, or (if interrupted) none until the
        next run finishes the job. Each os.replace is atomic."""
        for name in names:
            if name != Path(name).name or not (self.path / name).is_file():
                raise ValueError(f"cannot commit {name!r}: not a file of this build")
            _fsync_path(self.path / name)
        journal = self.path / (JOURNAL + ".tmp")
        with journal.open("w", encoding="utf-8", newline="\n") as f:
            f.write("".join(name + "\n" for name in names))
            f.flush()
            os.fsync(f.fileno())
        os.replace(journal, self.path / JOURNAL)
        _fsync_path(self.path, directory=True)
        # From here on the build is committed: the moves below are finished by recover()
        # if this process dies among them.
        _replay(self.path, self.out)
        self._unlock()

    def discard(self) -> None:
        """End the build: a committed build is finished, an uncommitted one removed."""
        try:
            if (self.path / JOURNAL).is_file():
                _replay(self.path, self.out)
            else:
                shutil.rmtree(self.path, ignore_errors=True)
        finally:
            self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            _held_locks.discard(self._lock)
            with contextlib.suppress(OSError):
                os.close(self._lock)
            self._lock = None


def _lock_folder(out: Path, wait: float | None = None) -> int | None:
    """An exclusive flock on the output folder itself (no lock file is left behind)."""
    wait = LOCK_WAIT if wait is None else wait
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no locking
        return None
    fd = os.open(out, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _held_locks.add(fd)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise InputError(
                    f"{out}: another Fond build is writing to this folder;"
                    " wait for it to finish, or build into another --out"
                ) from None
            time.sleep(0.1)
        except OSError:  # a file system without flock: go on without the lock
            os.close(fd)
            return None


def atomic_write_text(path: Path, text: str) -> None:
    """Write a single file atomically (temp file in the same folder, fsync, replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_ = io
