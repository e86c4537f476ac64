"""Reconciling a tiny gazetteer and alignment report against a local stand-in for Wikidata.

The server answers from tests/fixtures/wikidata/reconcile-*.json (illustrative ids Q9000xx);
an unknown search term or id is a test failure, not an empty answer.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import fond.reconcile as rc
from fond.reconcile import PROPOSAL_COLUMNS, apply_proposals, reconcile
from fond.wikidata import WikidataClient
from mappings.align.gazetteer import ENTITY_COLUMNS, read_entities
from mappings.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "wikidata"
API = "/w/api.php"
RETRIEVED = "2026-05-01"

HEADER = ",".join(ENTITY_COLUMNS) + "\n"
ROWS = [
    'mikhail-gorbachev,person,,"Mikhail Gorbachev",Q900100,Gorbachev,,,,,verified,"src A;\n'
    'src B (multi-line, quoted on purpose)",\n',
    "german-democratic-republic,state,historical_state,German Democratic Republic,Q900101,"
    "East Germany;GDR,,1949,1990,Q183,verified,,\n",
    "council-for-mutual-economic-assistance,organization,,Council for Mutual Economic "
    "Assistance,Q900103,Comecon;CMEA,,1948,1991,,single-source,,\n",
    "ussr,state,historical_state,Soviet Union,Q900104,USSR,,1922,1991,,verified,,\n",
    "defunct-institute,organization,,Defunct Institute,Q900106,,,,,,unverified,,\n",
    "perestroika,concept,,perestroika,,perestroyka,restructuring,,,,unverified,,\n",
    "vadim-medvedev,person,,Vadim Medvedev,,,,,,,unverified,,\n",
    "upper-volta,state,historical_state,Republic of Upper Volta,,Upper Volta,,1958,1984,,"
    "unverified,,\n",
    "peoples-republic-of-kampuchea,state,historical_state,People's Republic of Kampuchea,,,,"
    "1979,1989,,unverified,,\n",
    "new-political-thinking,concept,,new political thinking,,,,,,,unverified,,"
    "\"curator: keep, 'quoted'\"\n",
]
REPORT = (
    "name,kind,status,entity_id,count,texts,example_text,example_quote,candidates,qid,decision,note\n"
    "Shakhnazarov,person,unaligned,,3,2,001,“Shakhnazarov said”,,,,\n"
    "Gorbachev,person,ambiguous,mikhail-gorbachev;raisa-gorbacheva,9,4,000,,,,,\n"
    "Warsaw Pact,organization,aligned,warsaw-pact,2,1,002,,,,,\n"
)

# (entity_id, name, action, current, proposed, score, match) in the expected order.
EXPECTED = [
    (
        "council-for-mutual-economic-assistance",
        "Council for Mutual Economic Assistance",
        "relabel",
        "Council for Mutual Economic Assistance",
        "Comecon",
        "",
        "",
    ),
    (
        "council-for-mutual-economic-assistance",
        "Council for Mutual Economic Assistance",
        "redate",
        "valid_from=1948",
        "valid_from=1949",
        "",
        "",
    ),
    ("defunct-institute", "Defunct Institute", "missing", "Q900106", "", "", ""),
    (
        "german-democratic-republic",
        "German Democratic Republic",
        "relabel",
        "German Democratic Republic",
        "East Germany",
        "",
        "",
    ),
    (
        "peoples-republic-of-kampuchea",
        "People's Republic of Kampuchea",
        "link",
        "",
        "Q900030",
        "100",
        "false",
    ),
    ("perestroika", "perestroika", "link", "", "Q900001", "100", "true"),
    ("perestroika", "perestroika", "link", "", "Q900002", "50", "false"),
    ("upper-volta", "Republic of Upper Volta", "link", "", "Q900020", "100", "true"),
    ("upper-volta", "Republic of Upper Volta", "link", "", "Q900021", "80", "false"),
    ("ussr", "Soviet Union", "redirect", "Q900104", "Q900105", "", ""),
    ("vadim-medvedev", "Vadim Medvedev", "link", "", "Q900010", "100", "false"),
    ("vadim-medvedev", "Vadim Medvedev", "link", "", "Q900011", "100", "false"),
    ("", "Gorbachev", "link", "", "Q900043", "100", "false"),
    ("", "Gorbachev", "link", "", "Q900100", "80", "false"),
    ("", "Shakhnazarov", "link", "", "Q900040", "50", "false"),
    ("", "Shakhnazarov", "link", "", "Q900041", "50", "false"),
]


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


@pytest.fixture
def wikidata(httpserver: HTTPServer) -> HTTPServer:
    """Answers wbsearchentities and wbgetentities from the reconcile fixtures."""
    searches = json.loads((FIXTURES / "reconcile-search.json").read_text(encoding="utf-8"))
    entities = json.loads((FIXTURES / "reconcile-entities.json").read_text(encoding="utf-8"))

    def handler(request: Request) -> Response:
        args = request.args
        if args.get("action") == "wbsearchentities" and args.get("search") in searches:
            body = searches[args["search"]]
        elif args.get("action") == "wbgetentities" and all(
            i in entities for i in args["ids"].split("|")
        ):
            body = {"entities": {i: entities[i] for i in args["ids"].split("|")}, "success": 1}
        else:
            return Response(f"no fixture for {dict(args)}", status=404)
        return Response(json.dumps(body), content_type="application/json; charset=utf-8")

    httpserver.expect_request(API).respond_with_handler(handler)
    return httpserver


@pytest.fixture
def tables(tmp_path: Path) -> tuple[Path, Path]:
    entities = tmp_path / "entities.csv"
    entities.write_bytes((HEADER + "".join(ROWS)).encode("utf-8"))
    report = tmp_path / "report.csv"
    report.write_text(REPORT, encoding="utf-8")
    return entities, report


def make_client(server: HTTPServer, **kw) -> WikidataClient:
    return WikidataClient(server.url_for(API), sleep=lambda s: None, max_retries=0, **kw)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def run_reconcile(server: HTTPServer, tables: tuple[Path, Path], tmp_path: Path) -> Path:
    proposals = tmp_path / "out" / "proposals.csv"
    reconcile(tables[0], tables[1], proposals, make_client(server), RETRIEVED)
    return proposals


def test_reconcile_writes_the_expected_proposals(
    wikidata: HTTPServer, tables: tuple[Path, Path], tmp_path: Path
) -> None:
    lines: list[str] = []
    proposals = tmp_path / "proposals.csv"
    summary = reconcile(
        tables[0], tables[1], proposals, make_client(wikidata), RETRIEVED, progress=lines.append
    )
    rows = read_rows(proposals)
    assert proposals.read_text(encoding="utf-8").splitlines()[0] == ",".join(PROPOSAL_COLUMNS)
    got = [
        (
            r["entity_id"],
            r["name"],
            r["action"],
            r["current"],
            r["proposed"],
            r["score"],
            r["match"],
        )
        for r in rows
    ]
    assert got == EXPECTED
    assert {r["retrieved"] for r in rows} == {RETRIEVED} and {r["decision"] for r in rows} == {""}

    by = {(r["entity_id"] or r["name"], r["proposed"]): r for r in rows}
    assert by[("upper-volta", "Q900020")]["label"] == "Republic of Upper Volta"
    assert "P576 1993 vs valid_to 1989" in by[("peoples-republic-of-kampuchea", "Q900030")]["note"]
    assert "2 candidates share this label" in by[("vadim-medvedev", "Q900010")]["note"]
    assert "does not look like a person" in by[("Gorbachev", "Q900043")]["note"]
    gorby = by[("Gorbachev", "Q900100")]["note"]
    assert "already the qid of mikhail-gorbachev" in gorby
    assert "mikhail-gorbachev, raisa-gorbacheva" in gorby
    assert by[("ussr", "Q900105")]["label"] == "Soviet Union"
    assert (
        "P571 on Wikidata: 1949"
        in by[("council-for-mutual-economic-assistance", "valid_from=1949")]["note"]
    )

    assert summary.proposals == len(EXPECTED) and summary.matches == 2
    assert summary.by_action == {"link": 11, "relabel": 2, "redate": 1, "redirect": 1, "missing": 1}
    assert summary.without_candidates == ("new-political-thinking",)
    assert summary.names_searched == 9 and summary.entities_fetched == 7
    # serial and batched: 9 searches + 1 wbgetentities batch
    assert summary.requests_sent == len(wikidata.log) == 10
    assert sum("wbgetentities" in r.args["action"] for r, _ in wikidata.log) == 1
    assert any(line.startswith("search 9/9") for line in lines)


def test_reconcile_is_deterministic_and_cacheable(
    wikidata: HTTPServer, tables: tuple[Path, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    reconcile(tables[0], tables[1], first, make_client(wikidata, cache_dir=cache), RETRIEVED)
    sent = len(wikidata.log)
    reconcile(tables[0], tables[1], second, make_client(wikidata, cache_dir=cache), RETRIEVED)
    assert len(wikidata.log) == sent  # all from the cache
    lines: list[str] = []
    later = make_client(wikidata, cache_dir=cache)
    reconcile(tables[0], tables[1], tmp_path / "c.csv", later, "2999-01-01", progress=lines.append)
    assert later.cache_hits == 10 and any("came from the cache" in line for line in lines)
    assert first.read_bytes() == second.read_bytes()


def test_reconcile_without_report(
    wikidata: HTTPServer, tables: tuple[Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / "p.csv"
    reconcile(tables[0], None, out, make_client(wikidata), RETRIEVED)
    assert all(r["entity_id"] for r in read_rows(out))


def test_reconcile_rejects_a_bad_retrieved_date(
    wikidata: HTTPServer, tables: tuple[Path, Path], tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        reconcile(tables[0], None, tmp_path / "p.csv", make_client(wikidata), "May 2026")


def accept(proposals: Path, *keys: tuple[str, str], reject_rest: bool = True) -> None:
    rows = read_rows(proposals)
    for r in rows:
        if (r["entity_id"] or r["name"], r["proposed"]) in keys:
            r["decision"] = "accept"
        elif reject_rest:
            r["decision"] = "reject"
    with proposals.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=PROPOSAL_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


ACCEPTED = [
    ("perestroika", "Q900001"),
    ("upper-volta", "Q900020"),
    ("german-democratic-republic", "East Germany"),
    ("council-for-mutual-economic-assistance", "valid_from=1949"),
    ("ussr", "Q900105"),
    ("defunct-institute", ""),
    ("Shakhnazarov", "Q900040"),
]


def test_apply_proposals(wikidata: HTTPServer, tables: tuple[Path, Path], tmp_path: Path) -> None:
    entities = tables[0]
    proposals = run_reconcile(wikidata, tables, tmp_path)
    accept(proposals, *ACCEPTED)
    before = entities.read_bytes().decode("utf-8")

    assert apply_proposals(proposals, entities) == len(ACCEPTED)

    after = entities.read_bytes().decode("utf-8")
    for unchanged in (0, 6, 8, 9):  # gorbachev (multi-line, quoted), medvedev, kampuchea, npt
        assert ROWS[unchanged] in after
    assert after.startswith(HEADER) and after.count("\n") == before.count("\n") + 1
    table = read_entities(entities)
    assert list(table) == [*(r.split(",")[0] for r in ROWS), "shakhnazarov"]

    p = table["perestroika"]
    assert (p.qid, p.confidence) == ("Q900001", "curator")
    assert "reconcile link accepted: (none) -> Q900001" in p.note
    assert "proposals.csv:" in p.note and f"Wikidata retrieved {RETRIEVED}" in p.note
    assert table["upper-volta"].qid == "Q900020"
    gdr = table["german-democratic-republic"]
    assert gdr.label == "East Germany"
    assert gdr.aliases == ("GDR", "German Democratic Republic")
    assert gdr.confidence == "verified"  # a relabel does not touch the id's provenance
    assert table["council-for-mutual-economic-assistance"].valid_from == 1949
    assert (table["ussr"].qid, table["ussr"].confidence) == ("Q900105", "curator")
    assert (table["defunct-institute"].qid, table["defunct-institute"].confidence) == (
        "",
        "unverified",
    )
    new = table["shakhnazarov"]
    assert (new.kind, new.label, new.qid, new.confidence) == (
        "person",
        "Shakhnazarov",
        "Q900040",
        "curator",
    )
    with entities.open(encoding="utf-8", newline="") as f:
        assert next(csv.reader(f)) == ENTITY_COLUMNS


def test_apply_refuses_stale_proposals_and_changes_nothing(
    wikidata: HTTPServer, tables: tuple[Path, Path], tmp_path: Path
) -> None:
    proposals = run_reconcile(wikidata, tables, tmp_path)
    accept(proposals, *ACCEPTED)
    apply_proposals(proposals, tables[0])
    applied = tables[0].read_bytes()
    with pytest.raises(InputError, match="nothing applied") as err:
        apply_proposals(proposals, tables[0])  # every accepted row is now stale
    assert "perestroika qid is 'Q900001' but the proposal expected ''" in str(err.value)
    assert tables[0].read_bytes() == applied
    assert sorted(p.name for p in tables[0].parent.iterdir()) == [
        "entities.csv",
        "out",
        "report.csv",
    ]


def test_apply_refuses_two_links_for_one_entity(
    wikidata: HTTPServer, tables: tuple[Path, Path], tmp_path: Path
) -> None:
    proposals = run_reconcile(wikidata, tables, tmp_path)
    accept(proposals, ("vadim-medvedev", "Q900010"), ("vadim-medvedev", "Q900011"))
    before = tables[0].read_bytes()
    with pytest.raises(InputError, match="two accepted rows"):
        apply_proposals(proposals, tables[0])
    assert tables[0].read_bytes() == before


def test_apply_refuses_a_qid_another_entity_has(
    wikidata: HTTPServer, tables: tuple[Path, Path], tmp_path: Path
) -> None:
    proposals = run_reconcile(wikidata, tables, tmp_path)
    accept(proposals, ("Gorbachev", "Q900100"))
    with pytest.raises(InputError, match="already the qid of mikhail-gorbachev"):
        apply_proposals(proposals, tables[0])


def test_apply_with_nothing_accepted_leaves_the_file_alone(
    wikidata: HTTPServer, tables: tuple[Path, Path], tmp_path: Path
) -> None:
    proposals = run_reconcile(wikidata, tables, tmp_path)
    before = tables[0].stat()
    assert apply_proposals(proposals, tables[0]) == 0
    assert tables[0].stat().st_mtime_ns == before.st_mtime_ns


def test_apply_rejects_an_unknown_decision(tables: tuple[Path, Path], tmp_path: Path) -> None:
    proposals = tmp_path / "p.csv"
    row = dict.fromkeys(PROPOSAL_COLUMNS, "") | {"action": "link", "decision": "acept"}
    with proposals.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=PROPOSAL_COLUMNS)
        w.writeheader()
        w.writerow(row)
    with pytest.raises(InputError, match=r"p\.csv:2: decision 'acept'"):
        apply_proposals(proposals, tables[0])


def test_apply_keeps_crlf_line_endings(tables: tuple[Path, Path], tmp_path: Path) -> None:
    entities = tables[0]
    entities.write_bytes(entities.read_bytes().replace(b"\n", b"\r\n"))
    proposals = tmp_path / "p.csv"
    row = dict.fromkeys(PROPOSAL_COLUMNS, "") | {
        "entity_id": "vadim-medvedev",
        "name": "Vadim Medvedev",
        "kind": "person",
        "action": "link",
        "proposed": "Q900010",
        "qid": "Q900010",
        "decision": "accept",
        "retrieved": RETRIEVED,
    }
    with proposals.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=PROPOSAL_COLUMNS)
        w.writeheader()
        w.writerow(row)
    assert apply_proposals(proposals, entities) == 1
    data = entities.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n")
    assert read_entities(entities)["vadim-medvedev"].qid == "Q900010"


# ---------------------------------------------------------------------- CLI and offline use


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fond reconcile")
    rc.add_arguments(parser)
    return parser.parse_args(argv)


def test_run_reconciles_and_prints_progress(
    wikidata: HTTPServer,
    tables: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "p.csv"
    args = parse(
        [
            "--entities",
            str(tables[0]),
            "--report",
            str(tables[1]),
            "--proposals",
            str(out),
            "--api-url",
            wikidata.url_for(API),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--user-agent",
            "FondTest/1 (test@example.org)",
            "--retrieved",
            RETRIEVED,
        ]
    )
    assert args.run(args) == 0
    err = capsys.readouterr().err
    assert "wbgetentities batch 1/1 (7 ids): fetched" in err
    assert "no candidates for new-political-thinking" in err
    assert len(read_rows(out)) == len(EXPECTED)
    assert wikidata.log[0][0].headers["User-Agent"] == "FondTest/1 (test@example.org)"


def test_run_reports_wikidata_errors_with_exit_code_3(
    httpserver: HTTPServer,
    tables: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    httpserver.expect_request(API).respond_with_json(
        {"error": {"code": "badvalue", "info": "Unrecognized value"}},
        headers={"MediaWiki-API-Error": "badvalue"},
    )
    args = parse(
        [
            "--entities",
            str(tables[0]),
            "--proposals",
            str(tmp_path / "p.csv"),
            "--api-url",
            httpserver.url_for(API),
            "--no-cache",
        ]
    )
    assert rc.run(args) == 3
    assert "badvalue" in capsys.readouterr().err


def test_offline_parts_never_construct_a_client(
    tables: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kw: object) -> None:
        raise AssertionError("the offline path constructed a WikidataClient")

    monkeypatch.setattr(WikidataClient, "__init__", refuse)
    assert len(rc.read_report(tables[1])) == 2  # the 'aligned' row is skipped
    assert len(read_entities(tables[0])) == len(ROWS)
    proposals = tmp_path / "p.csv"
    row = dict.fromkeys(PROPOSAL_COLUMNS, "") | {
        "entity_id": "perestroika",
        "name": "perestroika",
        "kind": "concept",
        "action": "link",
        "proposed": "Q900001",
        "qid": "Q900001",
        "decision": "accept",
        "retrieved": RETRIEVED,
    }
    with proposals.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=PROPOSAL_COLUMNS)
        w.writeheader()
        w.writerow(row)
    args = parse(
        [
            "--entities",
            str(tables[0]),
            "--apply",
            str(proposals),
            "--api-url",
            "http://127.0.0.1:9/unreachable",
        ]
    )
    assert rc.run(args) == 0
    assert read_entities(tables[0])["perestroika"].qid == "Q900001"


def test_run_reports_bad_input_with_exit_code_2(
    tables: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,status\nx,unaligned\n", encoding="utf-8")
    args = parse(["--entities", str(tables[0]), "--apply", str(bad)])
    assert rc.run(args) == 2
    assert "missing column" in capsys.readouterr().err


def test_a_filled_in_alignment_report_feeds_back_into_the_gazetteer(tmp_path: Path) -> None:
    """The curator's loop: build -> alignment-report.csv -> write a qid and `accept` -> apply."""
    import shutil

    from fond.cli import main as cli
    from mappings.align.gazetteer import read_entities

    entities = tmp_path / "entities.csv"
    shutil.copy(Path(__file__).parent.parent / "mappings" / "tables" / "entities.csv", entities)
    report = tmp_path / "alignment-report.csv"
    report.write_text(
        "name,kind,status,entity_id,count,texts,example_text,example_quote,candidates,qid,decision,note\n"
        "Erich Honecker,person,unaligned,erich-honecker,1,x,x,x,,Q99999991,accept,\n"
        "Wojciech Jaruzelski,person,unaligned,wojciech-jaruzelski,1,x,x,x,,Q99999992,accept,\n"
        "Stalinism,concept,unaligned,stalinism,1,x,x,x,,,,\n",
        encoding="utf-8",
    )
    assert cli(["reconcile", "--entities", str(entities), "--apply", str(report)]) == 0
    rows = read_entities(entities)
    assert (
        rows["erich-honecker"].qid == "Q99999991" and rows["erich-honecker"].confidence == "curator"
    )
    assert rows["wojciech-jaruzelski"].qid == "Q99999992"  # a new row, with the minted entity's id
    assert rows["stalinism"].qid == ""
    report.write_text(report.read_text().replace("Q99999991", "Q1x"), encoding="utf-8")
    assert cli(["reconcile", "--entities", str(entities), "--apply", str(report)]) == 2
