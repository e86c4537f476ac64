"""A small, polite client for the Wikidata Action API (wbsearchentities, wbgetentities).

Why it exists: the pipeline itself runs offline from the committed gazetteer; this client is
only used by ``reconcile`` to propose gazetteer changes for a curator. Wikidata is a shared
service with published etiquette (a descriptive User-Agent, ``maxlag=5``, serial requests,
honouring ``Retry-After``), and a reconcile run must survive lag, throttling and maintenance
pages without hammering the servers or leaving a corrupt cache behind. Everything that waits
goes through an injectable ``sleep`` so tests never really wait.

The response shapes this code expects are those of the project's reference notes on the
Wikidata API (wikidata-api.md).
"""

from __future__ import annotations

import calendar
import contextlib
import csv
import email.utils
import hashlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import requests

log = logging.getLogger(__name__)

API_URL = "https://www.wikidata.org/w/api.php"
DEFAULT_USER_AGENT = (
    "Fond/0.1 (https://github.com/fond-archives/fond; fond@example.org) "
    f"python-requests/{requests.__version__}"
)
QID = re.compile(r"^Q[1-9][0-9]*$")
MAX_IDS_PER_REQUEST = 50  # wbgetentities limit without bot rights
MAXLAG = "5"  # seconds; the value Wikimedia asks non-interactive clients to send
MIN_MAXLAG_PAUSE = 5.0  # Manual:Maxlag_parameter: pause at least 5 s before retrying
BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0
# Error codes that mean "try again later", not "your request is wrong".
RETRYABLE_CODES = frozenset({"maxlag", "ratelimited", "readonly"})
CALENDAR_MODELS = (
    Path(__file__).resolve().parent.parent / "mappings" / "wikidata" / "calendar_models.csv"
)
with CALENDAR_MODELS.open(encoding="utf-8", newline="") as _f:
    _MODELS = {row["calendar"]: row["item_iri"] for row in csv.DictReader(_f)}
GREGORIAN, JULIAN = _MODELS["gregorian"], _MODELS["julian"]
CACHE_FORMAT = 1


class WikidataError(Exception):
    """Anything that stops a Wikidata request from giving a usable answer."""


class WikidataUnavailable(WikidataError):
    """Wikidata did not answer usefully after the allowed retries, or asked us to wait too long.

    Transient by nature: running again later should work. Nothing half-done is cached.
    """


class WikidataApiError(WikidataError):
    """The API understood the request and refused it (``{"error": {"code": ...}}``).

    Not retried: the same request would get the same answer.
    """

    def __init__(self, code: str, info: str = "", params: Mapping[str, str] | None = None) -> None:
        self.code = code
        self.info = info
        self.params = dict(params or {})
        action = self.params.get("action", "request")
        super().__init__(f"Wikidata API error {code!r} for {action}: {info}".rstrip(": "))


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying after ``delay`` seconds (or None)."""

    def __init__(
        self,
        reason: str,
        delay: float | None = None,
        *,
        server_asked: bool = False,
        min_delay: float = 0.0,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay  # what the server asked for (Retry-After), if anything
        self.server_asked = server_asked
        self.min_delay = min_delay  # floor for our own backoff


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    RFC 9110 allows both forms and Wikimedia's edge uses both; an unparsable value is ignored
    (None) so the caller falls back to its own backoff instead of crashing.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


class WikidataClient:
    """Serial, cached, retrying access to the Wikidata Action API.

    One request at a time (Wikimedia asks for no parallelism), ``maxlag=5`` and a descriptive
    User-Agent on every request. Successful answers are cached as one JSON file per request
    so a re-run, or a run interrupted half-way, does not ask Wikidata the same thing twice.
    """

    def __init__(
        self,
        api_url: str = API_URL,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        cache_dir: Path | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (5, 30),
        max_retries: int = 5,
        max_wait: float = 120,
        progress: Callable[[str], Any] | None = None,
    ) -> None:
        self.api_url = api_url
        self.user_agent = user_agent
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.sleep = sleep
        self.session = session if session is not None else requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.progress = progress
        self.requests_sent = 0  # HTTP requests actually made (not cache hits), for reporting
        self.cache_hits = 0
        self.oldest_cached: str | None = None  # "fetched" stamp of the oldest answer reused

    # ------------------------------------------------------------------ public API

    def search(
        self, name: str, language: str = "en", limit: int = 7, max_pages: int = 2
    ) -> list[dict[str, Any]]:
        """Items whose label or alias matches ``name``, in Wikidata's ranking order.

        Follows ``search-continue`` for at most ``max_pages`` pages: the best candidates come
        first, and an unbounded walk through thousands of weak hits would be impolite.
        """
        if not name.strip():
            return []
        results: list[dict[str, Any]] = []
        seen: set[str] = set()
        offset: int | None = None
        for page in range(max(1, max_pages)):
            params = {
                "action": "wbsearchentities",
                "search": name,
                "language": language,
                "uselang": language,
                "type": "item",
                "limit": str(min(max(1, limit), 50)),
            }
            if offset is not None:
                params["continue"] = str(offset)
            data = self._request(params, what=f"search {name!r} page {page + 1}")
            hits = data.get("search")
            if not isinstance(hits, list):
                raise WikidataError(f"wbsearchentities for {name!r}: answer has no 'search' list")
            for hit in hits:
                if isinstance(hit, dict) and hit.get("id") not in seen:
                    seen.add(hit.get("id", ""))
                    results.append(hit)
            offset = data.get("search-continue")
            if offset is None:
                break
        return results

    def get_entities(
        self,
        ids: Iterable[str],
        props: Sequence[str] = ("labels", "descriptions", "aliases", "claims"),
        languages: Sequence[str] = ("en",),
    ) -> dict[str, dict[str, Any]]:
        """Entity JSON keyed by the *requested* id, fetched in batches of at most 50.

        Ids are checked against ``^Q[1-9][0-9]*$`` before anything is sent, because one
        malformed id makes Wikidata reject a whole batch (``no-such-entity``). A malformed id
        is not sent; it comes back as ``{"id": ..., "missing": "", "invalid": ""}``. Missing
        entities come back as Wikidata reports them (``"missing": ""``); a redirected id maps
        to the target entity, whose ``id`` differs from the key and which carries
        ``redirects``. Ids are sorted numerically so the batches, and so the cache, do not
        depend on the caller's order.
        """
        result: dict[str, dict[str, Any]] = {}
        valid: set[str] = set()
        for qid in ids:
            if QID.match(qid):
                valid.add(qid)
            else:
                log.warning("not sending %r to Wikidata: not an item id (expected Q123)", qid)
                result[qid] = {"id": qid, "missing": "", "invalid": ""}
        ordered = sorted(valid, key=lambda q: int(q[1:]))
        batches = [
            ordered[i : i + MAX_IDS_PER_REQUEST]
            for i in range(0, len(ordered), MAX_IDS_PER_REQUEST)
        ]
        for n, batch in enumerate(batches, start=1):
            params = {
                "action": "wbgetentities",
                "ids": "|".join(batch),
                "props": "|".join(props),
                "languages": "|".join(languages),
                "redirects": "yes",
            }
            data = self._request(
                params, what=f"wbgetentities batch {n}/{len(batches)} ({len(batch)} ids)"
            )
            entities = data.get("entities")
            if not isinstance(entities, dict):
                raise WikidataError("wbgetentities: answer has no 'entities' object")
            for qid in batch:
                entity = entities.get(qid)
                if not isinstance(entity, dict):
                    raise WikidataError(f"wbgetentities: answer lacks the requested id {qid}")
                result[qid] = entity
        return result

    # ------------------------------------------------------------------ requests

    def _request(self, params: Mapping[str, str], what: str = "") -> dict[str, Any]:
        """One API call: from the cache if present, else over HTTP with bounded retries."""
        full = {**params, "format": "json", "maxlag": MAXLAG}
        path = self._cache_path(full)
        cached = self._read_cache(path, full)
        if cached is not None:
            self._progress(f"{what or full['action']}: cached")
            return cached
        data = self._fetch(full)
        self._progress(f"{what or full['action']}: fetched")
        if path is not None:
            try:
                _atomic_write_json(
                    path,
                    {
                        "format": CACHE_FORMAT,
                        "url": self.api_url,
                        "params": full,
                        "fetched": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "response": data,
                    },
                )
            except OSError as e:  # a full disk must not lose an answer we already have
                log.warning("could not cache Wikidata answer in %s: %s", path, e)
        return data

    def _fetch(self, params: Mapping[str, str]) -> dict[str, Any]:
        last = "no attempt made"
        for attempt in range(self.max_retries + 1):
            try:
                return self._attempt(params)
            except _Retry as retry:
                last = retry.reason
                delay = retry.delay
                if delay is not None and retry.server_asked and delay > self.max_wait:
                    raise WikidataUnavailable(
                        f"{self.api_url}: Wikidata asked us to wait {delay:.0f} s ({last}), "
                        f"more than max_wait={self.max_wait:.0f} s; try again later"
                    ) from None
                if attempt == self.max_retries:
                    break
                if delay is None:
                    wait = max(self._backoff(attempt), retry.min_delay)
                else:
                    wait = min(delay, self.max_wait)
                log.info("Wikidata: %s; retrying in %.1f s", last, wait)
                self.sleep(wait)
        raise WikidataUnavailable(
            f"{self.api_url}: no usable answer after {self.max_retries + 1} attempts; "
            f"last problem: {last}"
        )

    def _backoff(self, attempt: int) -> float:
        """1, 2, 4, 8 ... seconds, capped; deterministic (no jitter) so runs are reproducible."""
        return min(BACKOFF_BASE * 2**attempt, BACKOFF_CAP, self.max_wait)

    def _attempt(self, params: Mapping[str, str]) -> dict[str, Any]:
        try:
            self.requests_sent += 1
            resp = self.session.get(
                self.api_url,
                params=params,
                headers={"User-Agent": self.user_agent},
                timeout=self.timeout,
            )
            body = resp.content
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as e:
            raise _Retry(f"{type(e).__name__}: {e}") from None
        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        data = _json_object(body)
        error = data.get("error") if data is not None else None
        code = ""
        if isinstance(error, dict):
            code = str(error.get("code") or resp.headers.get("MediaWiki-API-Error") or "unknown")
        elif resp.headers.get("MediaWiki-API-Error"):
            code = resp.headers["MediaWiki-API-Error"]
        if code in RETRYABLE_CODES:
            info = error.get("info", "") if isinstance(error, dict) else ""
            # Manual:Maxlag_parameter: pause at least 5 s, whatever else we were told.
            floor = MIN_MAXLAG_PAUSE if code == "maxlag" else 0.0
            raise _Retry(
                f"{code}: {info}",
                None if retry_after is None else max(retry_after, floor),
                server_asked=retry_after is not None,
                min_delay=floor,
            )
        if resp.status_code == 429 or resp.status_code >= 500:
            raise _Retry(
                f"HTTP {resp.status_code}: {_snippet(body)}",
                retry_after,
                server_asked=retry_after is not None,
            )
        if code:
            info = str(error.get("info", "")) if isinstance(error, dict) else ""
            raise WikidataApiError(code, info, params)
        if resp.status_code >= 400:
            raise WikidataApiError(f"http-{resp.status_code}", _snippet(body), params)
        if data is None:
            raise _Retry(f"HTTP {resp.status_code} but not a JSON object: {_snippet(body)}")
        return data

    # ------------------------------------------------------------------ cache

    def _cache_path(self, params: Mapping[str, str]) -> Path | None:
        if self.cache_dir is None:
            return None
        # The API URL is part of the key so a test server's answers never stand in for
        # Wikidata's (and vice versa) when both share a cache folder.
        key = json.dumps([self.api_url, sorted(params.items())], ensure_ascii=False)
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.cache_dir / f"{digest}.json"

    def _read_cache(self, path: Path | None, params: Mapping[str, str]) -> dict[str, Any] | None:
        if path is None or not path.exists():
            return None
        try:
            stored = json.loads(path.read_bytes())
            if (
                isinstance(stored, dict)
                and stored.get("format") == CACHE_FORMAT
                and stored.get("params") == dict(params)
                and isinstance(stored.get("response"), dict)
            ):
                self.cache_hits += 1
                fetched = stored.get("fetched")
                if isinstance(fetched, str) and (
                    self.oldest_cached is None or fetched < self.oldest_cached
                ):
                    self.oldest_cached = fetched
                return stored["response"]
        except (OSError, ValueError) as e:
            log.warning("ignoring unreadable cache file %s (%s); fetching again", path, e)
            return None
        log.warning("ignoring cache file %s: not a cached answer to this request", path)
        return None

    def _progress(self, line: str) -> None:
        if self.progress is not None:
            self.progress(line)


def _json_object(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None for HTML pages, truncated JSON and other junk."""
    try:
        data = json.loads(body)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return None
    return data if isinstance(data, dict) else None


def _snippet(body: bytes, size: int = 120) -> str:
    text = body[:size].decode("utf-8", "replace")
    text = " ".join(text.split())
    return text + ("…" if len(body) > size else "")


def _atomic_write_json(path: Path, data: Any) -> None:
    """Write JSON so that ``path`` is either the old file or the complete new one.

    A temp file in the same folder (so ``os.replace`` is a rename on one filesystem), fsync
    before the rename, and the temp file removed on any failure, including KeyboardInterrupt.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# ---------------------------------------------------------------------- time values

_TIME = re.compile(r"^([+-])(\d{1,16})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$")


class WikidataTime(tuple[str, date, date]):
    """``(edtf, earliest, latest)`` for one Wikidata time value, plus ``calendar``.

    ``edtf`` states the value as Wikidata holds it, at its precision (``1871``, ``1871-01``,
    ``1871-01-18``), in the calendar it was entered in. ``earliest``/``latest`` are the
    bounds of that value in the proleptic Gregorian calendar (converted when the value is
    Julian), so they compare correctly with other dates. ``calendar`` is ``"gregorian"`` or
    ``"julian"``. It compares and unpacks as a plain 3-tuple.
    """

    calendar: str

    def __new__(cls, edtf: str, earliest: date, latest: date, calendar: str) -> WikidataTime:
        self = super().__new__(cls, (edtf, earliest, latest))
        self.calendar = calendar
        return self

    @property
    def edtf(self) -> str:
        return self[0]

    @property
    def earliest(self) -> date:
        return self[1]

    @property
    def latest(self) -> date:
        return self[2]

    @property
    def year(self) -> int:
        """The year as stated (in the value's own calendar)."""
        return int(self[0][:4])


def _julian_to_gregorian(year: int, month: int, day: int) -> date:
    """Julian calendar date -> proleptic Gregorian ``date`` via the Julian day number."""
    a = (14 - month) // 12
    y = year + 4800 - a
    m = month + 12 * a - 3
    jdn = day + (153 * m + 2) // 5 + 365 * y + y // 4 - 32083
    return date.fromordinal(jdn - 1721425)


def _month_length(year: int, month: int, julian: bool) -> int:
    if julian and month == 2:
        return 29 if year % 4 == 0 else 28
    return calendar.monthrange(year, month)[1]


def parse_time(value: Mapping[str, Any]) -> WikidataTime:
    """Read a Wikidata time value (``{"time": "+1871-01-18T00:00:00Z", "precision": 11, ...}``).

    Why not ``datetime.fromisoformat``: the string has a sign, may have more than four year
    digits, uses ``00`` for an unknown month or day, and can be in the Julian calendar.
    Precision 9 (year), 10 (month) and 11 (day) are supported; finer precisions are read as
    days; coarser ones (decade, century ...) raise ``ValueError`` because a year range would
    be a guess about Wikidata's century convention. Years before 1 CE and after 9999 raise
    ``ValueError``: ``datetime.date`` cannot hold them. A month or day of ``00`` lowers the
    precision to what is actually known.
    """
    raw = value.get("time")
    if not isinstance(raw, str):
        raise ValueError(f"not a Wikidata time value: {value!r}")
    m = _TIME.match(raw)
    if not m:
        raise ValueError(f"Wikidata time {raw!r} is not +YYYY-MM-DDThh:mm:ssZ")
    sign, year_s, month_s, day_s = m.group(1), m.group(2), m.group(3), m.group(4)
    year, month, day = int(year_s), int(month_s), int(day_s)
    try:
        precision = int(value["precision"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"Wikidata time {raw!r}: precision {value.get('precision')!r}") from None
    model = value.get("calendarmodel", GREGORIAN)
    if model not in (GREGORIAN, JULIAN):
        raise ValueError(f"Wikidata time {raw!r}: unknown calendar model {model!r}")
    julian = model == JULIAN
    if sign == "-" or year == 0:
        raise ValueError(f"Wikidata time {raw!r}: years BCE cannot be held by datetime.date")
    if year > 9999:
        raise ValueError(f"Wikidata time {raw!r}: years after 9999 cannot be held by date")
    if precision < 9:
        raise ValueError(
            f"Wikidata time {raw!r}: precision {precision} (coarser than a year) not supported"
        )
    precision = min(precision, 11)
    if precision >= 10 and month == 0:
        precision = 9
    if precision == 11 and day == 0:
        precision = 10
    if not 0 <= month <= 12 or (precision >= 10 and not 1 <= month <= 12):
        raise ValueError(f"Wikidata time {raw!r}: month {month_s} out of range")
    if precision == 11 and day > _month_length(year, month, julian):
        raise ValueError(f"Wikidata time {raw!r}: day {day_s} out of range")

    if precision == 9:
        first, last, edtf = (year, 1, 1), (year, 12, 31), f"{year:04d}"
    elif precision == 10:
        first = (year, month, 1)
        last = (year, month, _month_length(year, month, julian))
        edtf = f"{year:04d}-{month:02d}"
    else:
        first = last = (year, month, day)
        edtf = f"{year:04d}-{month:02d}-{day:02d}"
    if julian:
        try:
            earliest, latest = _julian_to_gregorian(*first), _julian_to_gregorian(*last)
        except ValueError:
            raise ValueError(f"Wikidata time {raw!r}: outside the range of date") from None
    else:
        earliest, latest = date(*first), date(*last)
    return WikidataTime(edtf, earliest, latest, "julian" if julian else "gregorian")
