"""The Wikidata client against a real local HTTP server speaking Wikidata's documented JSON.

Wikidata is unreachable from the development machines, so pytest-httpserver on 127.0.0.1
replays the documented shapes (tests/fixtures/wikidata/). ``sleep`` is injected everywhere:
the tests record the waits the client *would* make and never really wait.
"""

from __future__ import annotations

import email.utils
import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import fond.wikidata as wd
from fond.reliability.checks import SEARCH_ANSWER
from fond.wikidata import (
    DEFAULT_USER_AGENT,
    WikidataApiError,
    WikidataClient,
    WikidataUnavailable,
    parse_retry_after,
    parse_time,
)

FIXTURES = Path(__file__).parent / "fixtures" / "wikidata"
API = "/w/api.php"
JSON = "application/json; charset=utf-8"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def httpserver() -> Iterator[HTTPServer]:
    """A server of its own for each test, on 127.0.0.1 (an ephemeral port): these tests count
    requests and waits, so a late request from another test's client must not reach them."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


def client(server: HTTPServer, slept: list[float] | None = None, **kw) -> WikidataClient:
    sink = slept if slept is not None else []
    return WikidataClient(server.url_for(API), sleep=sink.append, **kw)


def json_response(body: dict, status: int = 200, **headers: str) -> Response:
    return Response(json.dumps(body), status=status, content_type=JSON, headers=headers)


def sequence(*responses: Response):
    """A handler answering with the given responses in turn (the last one repeats)."""
    calls: list[Request] = []

    def handler(request: Request) -> Response:
        calls.append(request)
        return responses[min(len(calls), len(responses)) - 1]

    handler.calls = calls  # type: ignore[attr-defined]
    return handler


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{API}"


# ---------------------------------------------------------------------- etiquette


def test_every_request_sends_user_agent_maxlag_and_json_format(httpserver: HTTPServer) -> None:
    httpserver.expect_request(API).respond_with_json(json.loads(SEARCH_ANSWER))
    hits = client(httpserver).search("Bismarck", max_pages=1)
    assert [h["id"] for h in hits] == ["Q8442"]
    ((request, _),) = httpserver.log
    assert request.headers["User-Agent"] == DEFAULT_USER_AGENT
    assert DEFAULT_USER_AGENT.startswith("Fond/0.1 (https://") and "python-requests/" in (
        DEFAULT_USER_AGENT
    )
    args = request.args
    assert args["action"] == "wbsearchentities" and args["type"] == "item"
    assert args["search"] == "Bismarck" and args["language"] == "en" and args["limit"] == "7"
    assert args["maxlag"] == "5" and args["format"] == "json"


def test_custom_user_agent_is_sent(httpserver: HTTPServer) -> None:
    httpserver.expect_request(API).respond_with_json(json.loads(SEARCH_ANSWER))
    client(httpserver, user_agent="FondTest/1 (mailto:test@example.org)").search("x", max_pages=1)
    assert httpserver.log[0][0].headers["User-Agent"] == "FondTest/1 (mailto:test@example.org)"


# ---------------------------------------------------------------------- retries


def test_maxlag_error_is_retried_after_retry_after(httpserver: HTTPServer) -> None:
    handler = sequence(
        json_response(fixture("error-maxlag.json"), **{"Retry-After": "5", "X-Database-Lag": "7"}),
        json_response(json.loads(SEARCH_ANSWER)),
    )
    httpserver.expect_request(API).respond_with_handler(handler)
    slept: list[float] = []
    assert client(httpserver, slept).search("Bismarck", max_pages=1)[0]["id"] == "Q8442"
    assert slept == [5.0]
    assert all(r.args["maxlag"] == "5" for r in handler.calls)


def test_maxlag_on_503_without_retry_after_waits_at_least_five_seconds(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request(API).respond_with_handler(
        sequence(
            json_response(fixture("error-maxlag.json"), status=503),
            json_response(json.loads(SEARCH_ANSWER)),
        )
    )
    slept: list[float] = []
    client(httpserver, slept).search("Bismarck", max_pages=1)
    assert slept == [5.0]


def test_429_then_ok(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(API).respond_with_data(
        "Too Many Requests", status=429, headers={"Retry-After": "2"}
    )
    httpserver.expect_ordered_request(API).respond_with_json(json.loads(SEARCH_ANSWER))
    slept: list[float] = []
    assert client(httpserver, slept).search("Bismarck", max_pages=1)[0]["id"] == "Q8442"
    assert slept == [2.0]
    httpserver.check_assertions()


def test_503_with_http_date_retry_after(httpserver: HTTPServer) -> None:
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    httpserver.expect_ordered_request(API).respond_with_data(
        "<html>Service Unavailable</html>",
        status=503,
        headers={"Retry-After": when},
        content_type="text/html",
    )
    httpserver.expect_ordered_request(API).respond_with_json(json.loads(SEARCH_ANSWER))
    slept: list[float] = []
    client(httpserver, slept).search("Bismarck", max_pages=1)
    assert len(slept) == 1 and 25 <= slept[0] <= 30


def test_retry_after_beyond_max_wait_gives_up_at_once(httpserver: HTTPServer) -> None:
    httpserver.expect_request(API).respond_with_data(
        "busy", status=503, headers={"Retry-After": "3600"}
    )
    slept: list[float] = []
    with pytest.raises(WikidataUnavailable, match=r"wait 3600 s.*max_wait=120"):
        client(httpserver, slept).search("Bismarck")
    assert slept == [] and len(httpserver.log) == 1


def test_5xx_without_retry_after_backs_off_exponentially_then_fails(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request(API).respond_with_data("oops", status=502)
    slept: list[float] = []
    with pytest.raises(WikidataUnavailable, match=r"4 attempts.*HTTP 502"):
        client(httpserver, slept, max_retries=3).search("Bismarck")
    assert slept == [1.0, 2.0, 4.0]
    assert len(httpserver.log) == 4


def test_backoff_is_capped() -> None:
    c = WikidataClient("http://127.0.0.1:9/w/api.php", sleep=lambda s: None, max_wait=10)
    assert [c._backoff(i) for i in range(6)] == [1.0, 2.0, 4.0, 8.0, 10, 10]


MAINTENANCE = (
    "<!DOCTYPE html><html><head><title>Wikimedia Error</title></head>"
    "<body><h1>Our servers are currently under maintenance</h1></body></html>"
)


def test_html_maintenance_page_with_200_is_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request(API).respond_with_handler(
        sequence(
            Response(MAINTENANCE, status=200, content_type="text/html"),
            json_response(json.loads(SEARCH_ANSWER)),
        )
    )
    slept: list[float] = []
    assert client(httpserver, slept).search("Bismarck", max_pages=1)[0]["id"] == "Q8442"
    assert slept == [1.0]


def test_html_page_that_persists_ends_in_a_clear_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request(API).respond_with_data(MAINTENANCE, content_type="text/html")
    slept: list[float] = []
    with pytest.raises(WikidataUnavailable, match=r"3 attempts.*not a JSON object.*Wikimedia"):
        client(httpserver, slept, max_retries=2).search("Bismarck")
    assert slept == [1.0, 2.0]


def test_truncated_json_is_retried(httpserver: HTTPServer) -> None:
    whole = json.dumps(json.loads(SEARCH_ANSWER))
    httpserver.expect_request(API).respond_with_handler(
        sequence(
            Response(whole[: len(whole) // 2], content_type=JSON),
            Response(whole, content_type=JSON),
        )
    )
    slept: list[float] = []
    assert client(httpserver, slept).search("Bismarck", max_pages=1)[0]["id"] == "Q8442"
    assert slept == [1.0]


def test_connection_refused_retries_then_fails() -> None:
    slept: list[float] = []
    c = WikidataClient(closed_port_url(), sleep=slept.append, max_retries=3, timeout=(1, 1))
    with pytest.raises(WikidataUnavailable, match="ConnectionError"):
        c.search("Bismarck")
    assert slept == [1.0, 2.0, 4.0]


def test_read_timeout_is_retried() -> None:
    """A threaded server, so the slow first answer does not hold up the retry."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        body = json.dumps(json.loads(SEARCH_ANSWER))
        calls = []
        release = threading.Event()

        def handler(request: Request) -> Response:
            calls.append(request)
            if len(calls) == 1:
                release.wait(5)  # far longer than the client's read timeout
            return Response(body, content_type=JSON)

        server.expect_request(API).respond_with_handler(handler)
        slept: list[float] = []
        c = WikidataClient(server.url_for(API), sleep=slept.append, timeout=(2, 0.1))
        assert c.search("Bismarck", max_pages=1)[0]["id"] == "Q8442"
        assert slept == [1.0] and len(calls) == 2
    finally:
        release.set()
        server.clear()
        server.stop()


def test_api_error_is_raised_with_its_code_and_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request(API).respond_with_json(
        fixture("error-no-such-entity.json"), headers={"MediaWiki-API-Error": "no-such-entity"}
    )
    slept: list[float] = []
    with pytest.raises(WikidataApiError) as err:
        client(httpserver, slept).get_entities(["Q999999998"])
    assert err.value.code == "no-such-entity"
    assert "Q999999998" in err.value.info and "wbgetentities" in str(err.value)
    assert slept == [] and len(httpserver.log) == 1


def test_error_code_taken_from_header_when_body_lacks_it(httpserver: HTTPServer) -> None:
    httpserver.expect_request(API).respond_with_json(
        {"error": {"info": "bad"}}, headers={"MediaWiki-API-Error": "badvalue"}
    )
    with pytest.raises(WikidataApiError) as err:
        client(httpserver).search("x")
    assert err.value.code == "badvalue"


def test_forbidden_is_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request(API).respond_with_data("Please set a user-agent", status=403)
    slept: list[float] = []
    with pytest.raises(WikidataApiError, match="http-403"):
        client(httpserver, slept).search("x")
    assert slept == []


# ---------------------------------------------------------------------- search


def test_search_follows_continue_up_to_the_page_cap(httpserver: HTTPServer) -> None:
    pages = [fixture("wbsearchentities-page1.json"), fixture("wbsearchentities-page2.json")]

    def handler(request: Request) -> Response:
        return json_response(pages[int(request.args.get("continue", "0")) // 2])

    httpserver.expect_request(API).respond_with_handler(handler)
    hits = client(httpserver).search("Berlin", limit=2, max_pages=2)
    assert [h["id"] for h in hits] == ["Q900501", "Q900502", "Q900503", "Q900504"]
    assert [r.args.get("continue") for r, _ in httpserver.log] == [None, "2"]
    assert all(r.args["limit"] == "2" for r, _ in httpserver.log)


def test_search_stops_when_no_continue(httpserver: HTTPServer) -> None:
    page = fixture("wbsearchentities-page1.json")
    del page["search-continue"]
    httpserver.expect_request(API).respond_with_json(page)
    assert len(client(httpserver).search("Berlin", max_pages=5)) == 2
    assert len(httpserver.log) == 1


# ---------------------------------------------------------------------- get_entities


def _entities_handler(batches: list[list[str]]):
    def handler(request: Request) -> Response:
        ids = request.args["ids"].split("|")
        batches.append(ids)
        return json_response(
            {"entities": {i: {"type": "item", "id": i, "labels": {}} for i in ids}, "success": 1}
        )

    return handler


def test_120_ids_go_in_batches_of_50_50_20(httpserver: HTTPServer) -> None:
    batches: list[list[str]] = []
    httpserver.expect_request(API).respond_with_handler(_entities_handler(batches))
    ids = [f"Q{n}" for n in range(1000, 1120)]
    result = client(httpserver).get_entities(reversed(ids))
    assert [len(b) for b in batches] == [50, 50, 20]
    assert [i for b in batches for i in b] == ids  # numeric order, whatever the input order
    assert set(result) == set(ids)
    request = httpserver.log[0][0]
    assert request.args["action"] == "wbgetentities"
    assert request.args["props"] == "labels|descriptions|aliases|claims"
    assert request.args["languages"] == "en" and request.args["maxlag"] == "5"


def test_invalid_ids_are_never_sent(httpserver: HTTPServer) -> None:
    batches: list[list[str]] = []
    httpserver.expect_request(API).respond_with_handler(_entities_handler(batches))
    result = client(httpserver).get_entities(["Q42", "Qx", "P31", "Q0", "q5", "Q42 ", "Q42"])
    assert batches == [["Q42"]]
    assert result["Q42"]["id"] == "Q42"
    for bad in ("Qx", "P31", "Q0", "q5", "Q42 "):
        assert "invalid" in result[bad] and "missing" in result[bad]


def test_only_invalid_ids_make_no_request(httpserver: HTTPServer) -> None:
    assert set(client(httpserver).get_entities(["Qx"])) == {"Qx"}
    assert httpserver.log == []


def test_missing_and_redirected_entities(httpserver: HTTPServer) -> None:
    httpserver.expect_request(API).respond_with_json(fixture("wbgetentities.json"))
    result = client(httpserver).get_entities(["Q43287", "Q999999999", "Q1"])
    assert httpserver.log[0][0].args["ids"] == "Q1|Q43287|Q999999999"
    assert result["Q43287"]["labels"]["en"]["value"] == "German Empire"
    assert "missing" in result["Q999999999"]
    assert result["Q1"]["id"] == "Q2" and result["Q1"]["redirects"] == {"from": "Q1", "to": "Q2"}


# ---------------------------------------------------------------------- cache


def test_cache_hit_makes_no_request_even_in_a_new_client(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request(API).respond_with_json(json.loads(SEARCH_ANSWER))
    first = client(httpserver, cache_dir=tmp_path).search("Bismarck", max_pages=1)
    again = client(httpserver, cache_dir=tmp_path).search("Bismarck", max_pages=1)
    assert first == again and len(httpserver.log) == 1
    (cached,) = tmp_path.glob("*.json")
    assert len(cached.stem) == 64  # sha256 of the request
    client(httpserver, cache_dir=tmp_path).search("Bismarck", language="de", max_pages=1)
    assert len(httpserver.log) == 2  # different parameters, different file


def test_corrupt_cache_file_is_ignored_and_refetched(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request(API).respond_with_json(json.loads(SEARCH_ANSWER))
    client(httpserver, cache_dir=tmp_path).search("Bismarck", max_pages=1)
    (cached,) = tmp_path.glob("*.json")
    for junk in (b'{"format": 1, "resp', b"\x00\xff", b"[]"):
        cached.write_bytes(junk)
        hits = client(httpserver, cache_dir=tmp_path).search("Bismarck", max_pages=1)
        assert hits[0]["id"] == "Q8442"
        assert json.loads(cached.read_bytes())["response"]["search"][0]["id"] == "Q8442"
    assert len(httpserver.log) == 4


def test_errors_are_not_cached(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request(API).respond_with_json(fixture("error-no-such-entity.json"))
    with pytest.raises(WikidataApiError):
        client(httpserver, cache_dir=tmp_path).get_entities(["Q999999998"])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("error", [OSError("No space left on device"), KeyboardInterrupt()])
def test_interrupted_cache_write_leaves_no_partial_file(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    httpserver.expect_request(API).respond_with_json(json.loads(SEARCH_ANSWER))

    def half_dump(obj, f, **kw) -> None:
        f.write(json.dumps(obj)[:40])
        f.flush()
        raise error

    monkeypatch.setattr(wd.json, "dump", half_dump)
    c = client(httpserver, cache_dir=tmp_path)
    if isinstance(error, OSError):  # the answer is still good; only caching failed
        assert c.search("Bismarck", max_pages=1)[0]["id"] == "Q8442"
    else:
        with pytest.raises(KeyboardInterrupt):
            c.search("Bismarck", max_pages=1)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- parse_time & headers


def T(time_: str, precision: int, calendar: str = wd.GREGORIAN) -> dict:
    return {
        "time": time_,
        "timezone": 0,
        "before": 0,
        "after": 0,
        "precision": precision,
        "calendarmodel": calendar,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (T("+1871-01-18T00:00:00Z", 11), ("1871-01-18", date(1871, 1, 18), date(1871, 1, 18))),
        (T("+1871-01-00T00:00:00Z", 10), ("1871-01", date(1871, 1, 1), date(1871, 1, 31))),
        (T("+1900-02-00T00:00:00Z", 10), ("1900-02", date(1900, 2, 1), date(1900, 2, 28))),
        (T("+1871-00-00T00:00:00Z", 9), ("1871", date(1871, 1, 1), date(1871, 12, 31))),
        (T("+1871-01-01T00:00:00Z", 9), ("1871", date(1871, 1, 1), date(1871, 12, 31))),
        (T("+1871-00-00T00:00:00Z", 11), ("1871", date(1871, 1, 1), date(1871, 12, 31))),
        (T("+1871-03-00T00:00:00Z", 11), ("1871-03", date(1871, 3, 1), date(1871, 3, 31))),
        (
            T("+00000001991-12-26T00:00:00Z", 14),
            ("1991-12-26", date(1991, 12, 26), date(1991, 12, 26)),
        ),
    ],
)
def test_parse_time(value: dict, expected: tuple) -> None:
    parsed = parse_time(value)
    assert parsed == expected and parsed.calendar == "gregorian"
    assert parsed.year == expected[1].year


def test_parse_time_julian_is_converted_for_the_bounds_and_noted() -> None:
    day = parse_time(T("+1582-10-05T00:00:00Z", 11, wd.JULIAN))
    assert day == ("1582-10-05", date(1582, 10, 15), date(1582, 10, 15))
    assert day.calendar == "julian"
    feb = parse_time(T("+1700-02-00T00:00:00Z", 10, wd.JULIAN))  # 1700 is leap in Julian only
    assert feb == ("1700-02", date(1700, 2, 11), date(1700, 3, 11))


@pytest.mark.parametrize(
    "value",
    [
        T("-0044-03-15T00:00:00Z", 11),  # BCE: date cannot hold it
        T("+1960-00-00T00:00:00Z", 8),  # decade
        T("+1871-13-01T00:00:00Z", 11),
        T("+1871-02-30T00:00:00Z", 11),
        T("1871-01-18", 11),
        {"time": "+1871-01-18T00:00:00Z", "precision": 11, "calendarmodel": "Q1"},
        {"precision": 11},
    ],
)
def test_parse_time_rejects_what_date_cannot_hold(value: dict) -> None:
    with pytest.raises(ValueError):
        parse_time(value)


@given(st.dates(min_value=date(1, 1, 1)), st.sampled_from([9, 10, 11]))
def test_parse_time_bounds_contain_the_date(d: date, precision: int) -> None:
    parsed = parse_time(T(f"+{d.year:04d}-{d.month:02d}-{d.day:02d}T00:00:00Z", precision))
    assert parsed.earliest <= d <= parsed.latest
    assert d.isoformat().startswith(parsed.edtf)


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("5", now) == 5.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_client_uses_the_given_session(httpserver: HTTPServer) -> None:
    httpserver.expect_request(API).respond_with_json(json.loads(SEARCH_ANSWER))
    session = requests.Session()
    session.headers["X-Trace"] = "fond-test"
    client(httpserver, session=session).search("Bismarck", max_pages=1)
    assert httpserver.log[0][0].headers["X-Trace"] == "fond-test"
