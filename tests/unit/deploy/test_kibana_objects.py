"""deploy/kibana/*.ndjson and `newswire kibana`: the files are sound, the import logic is right.

The import is exercised end to end against a fake Kibana on 127.0.0.1 (a thread of http.server),
which also proves that the multipart body we build is one a standard parser reads.
"""

from __future__ import annotations

import email.parser
import email.policy
import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newswire.cli import kibana_cmd
from newswire.es import kibana

REPO = Path(__file__).resolve().parents[3]
KIBANA_DIR = REPO / "deploy" / "kibana"

#: Data view id -> (title, time field). Ids are stable: dashboards will reference them.
DATA_VIEWS = {
    "newswire-articles": ("newswire-articles", "first_seen"),
    "newswire-revisions": ("newswire-revisions", "detected_at"),
    "newswire-stories": ("newswire-stories", "last_seen"),
    "newswire-feeds": ("newswire-feeds", "polled_at"),
    "newswire-polls": ("newswire-polls", "polled_at"),
    "newswire-dead-letters": ("newswire-dead-letters", "failed_at"),
}

runner = CliRunner()


def data_view(
    obj_id: str, refs: list[tuple[str, str]] | None = None, obj_type: str = "index-pattern"
) -> str:
    """One ndjson line of a saved object."""
    return json.dumps(
        {
            "type": obj_type,
            "id": obj_id,
            "attributes": {"title": obj_id},
            "references": [
                {"type": t, "id": i, "name": f"ref_{n}"} for n, (t, i) in enumerate(refs or [])
            ],
        }
    )


# --- the shipped files --------------------------------------------------------------------------


def test_every_line_parses_and_every_reference_resolves() -> None:
    files = kibana.load_dir(KIBANA_DIR)
    assert files, "no ndjson files in deploy/kibana"
    assert [str(p) for p in kibana.check_files(files)] == []


def test_ids_are_unique() -> None:
    refs = [obj.ref for parsed in kibana.load_dir(KIBANA_DIR) for obj in parsed.objects]
    assert len(refs) == len(set(refs))


def test_the_data_views_cover_every_index_with_its_time_field() -> None:
    objects = {
        obj.ref.id: obj.raw
        for parsed in kibana.load_dir(KIBANA_DIR)
        for obj in parsed.objects
        if obj.ref.type == "index-pattern"
    }
    assert set(objects) == set(DATA_VIEWS)
    for obj_id, (title, time_field) in DATA_VIEWS.items():
        raw = objects[obj_id]
        attrs = raw["attributes"]
        assert attrs["title"] == title
        assert attrs["timeFieldName"] == time_field
        assert attrs["name"]
        # As Kibana 8.x exports them, so that import needs no migration guesswork.
        assert raw["coreMigrationVersion"] == "8.8.0"
        assert raw["typeMigrationVersion"] == "8.0.0"
        assert raw["managed"] is False
        for encoded in (
            "fields",
            "fieldFormatMap",
            "runtimeFieldMap",
            "sourceFilters",
            "fieldAttrs",
        ):
            json.loads(attrs[encoded])  # Kibana stores these as JSON strings


def test_the_export_summary_matches() -> None:
    for parsed in kibana.load_dir(KIBANA_DIR):
        assert parsed.summary is not None, parsed.name
        assert parsed.summary["exportedCount"] == len(parsed.objects)


def test_cli_check_passes_on_the_shipped_files() -> None:
    result = runner.invoke(kibana_cmd.app, ["check", "--dir", str(KIBANA_DIR)])
    assert result.exit_code == 0, result.output
    assert "all references resolve" in result.output


# --- check: what it catches ---------------------------------------------------------------------


def test_parse_problems_are_located() -> None:
    text = "\n".join(
        [
            "{not json",
            "[1, 2]",
            json.dumps({"type": "index-pattern", "attributes": {}}),
            data_view("ok"),
            "",
        ]
    )
    parsed = kibana.parse_ndjson("x.ndjson", text)
    assert [(p.line, p.message.split(":")[0]) for p in parsed.problems] == [
        (1, "invalid JSON"),
        (2, "line is not a JSON object"),
        (3, "saved object without a string 'type' and 'id'"),
    ]
    assert [o.ref for o in parsed.objects] == [kibana.ObjectRef("index-pattern", "ok")]


def test_duplicates_and_dangling_references_across_files() -> None:
    a = kibana.parse_ndjson(
        "a.ndjson",
        data_view("dv") + "\n" + data_view("dash", [("index-pattern", "gone")], "dashboard"),
    )
    b = kibana.parse_ndjson("b.ndjson", data_view("dv"))
    messages = [str(p) for p in kibana.check_files([a, b])]
    assert messages == [
        "b.ndjson:1: duplicate index-pattern/dv (first at a.ndjson:1)",
        "a.ndjson:2: dashboard/dash references missing index-pattern/gone",
    ]


def test_same_id_different_type_is_not_a_duplicate() -> None:
    parsed = kibana.parse_ndjson(
        "a.ndjson", data_view("x") + "\n" + data_view("x", obj_type="dashboard")
    )
    assert kibana.check_files([parsed]) == []


def test_export_summary_must_agree_with_the_file() -> None:
    summary = json.dumps({"exportedCount": 3, "missingRefCount": 1, "missingReferences": []})
    parsed = kibana.parse_ndjson("a.ndjson", data_view("x") + "\n" + summary)
    assert parsed.summary is not None
    messages = [p.message for p in kibana.check_files([parsed])]
    assert len(messages) == 2
    assert "exportedCount=3" in messages[0]
    assert "missing references" in messages[1]


def test_malformed_references_are_reported() -> None:
    line = json.dumps(
        {"type": "dashboard", "id": "d", "attributes": {}, "references": [{"id": "x"}]}
    )
    parsed = kibana.parse_ndjson("a.ndjson", line)
    assert "reference without name/type/id" in parsed.problems[0].message


def test_cli_check_fails_on_a_broken_dir(tmp_path: Path) -> None:
    (tmp_path / "a.ndjson").write_text(
        data_view("dash", [("index-pattern", "nope")], "dashboard") + "\n"
    )
    result = runner.invoke(kibana_cmd.app, ["check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "references missing index-pattern/nope" in result.output


def test_cli_check_fails_on_an_empty_dir(tmp_path: Path) -> None:
    assert runner.invoke(kibana_cmd.app, ["check", "--dir", str(tmp_path)]).exit_code == 1


# --- import order -------------------------------------------------------------------------------


def test_import_order_puts_referenced_files_first() -> None:
    dashboards = kibana.parse_ndjson(
        "dashboards.ndjson", data_view("d", [("index-pattern", "dv")], "dashboard")
    )
    views = kibana.parse_ndjson("data-views.ndjson", data_view("dv"))
    other = kibana.parse_ndjson("a-other.ndjson", data_view("o"))
    assert kibana.import_order([other, dashboards, views]) == [
        "a-other.ndjson",
        "data-views.ndjson",
        "dashboards.ndjson",
    ]


def test_import_order_falls_back_to_names_on_a_cycle() -> None:
    a = kibana.parse_ndjson("a.ndjson", data_view("a", [("index-pattern", "b")]))
    b = kibana.parse_ndjson("b.ndjson", data_view("b", [("index-pattern", "a")]))
    c = kibana.parse_ndjson("c.ndjson", data_view("c"))
    assert kibana.import_order([b, c, a]) == ["c.ndjson", "a.ndjson", "b.ndjson"]


# --- requests -----------------------------------------------------------------------------------


def test_build_import_request() -> None:
    req = kibana.build_import_request(
        "http://kibana:5601/", "dv.ndjson", b'{"a":1}\n', boundary="BOUND", api_key="k3y"
    )
    assert req.full_url == "http://kibana:5601/api/saved_objects/_import?overwrite=true"
    assert req.get_method() == "POST"
    headers = {k.lower(): v for k, v in req.header_items()}
    assert headers["kbn-xsrf"] == "true"
    assert headers["content-type"] == "multipart/form-data; boundary=BOUND"
    assert headers["authorization"] == "ApiKey k3y"
    assert req.data == (
        b"--BOUND\r\n"
        b'Content-Disposition: form-data; name="file"; filename="dv.ndjson"\r\n'
        b"Content-Type: application/ndjson\r\n\r\n"
        b'{"a":1}\n'
        b"\r\n--BOUND--\r\n"
    )


@pytest.mark.parametrize(
    ("space", "expected"),
    [
        (None, "http://k/api/saved_objects/_import?overwrite=true"),
        ("default", "http://k/api/saved_objects/_import?overwrite=true"),
        ("ops team", "http://k/s/ops%20team/api/saved_objects/_import?overwrite=true"),
    ],
)
def test_import_request_in_a_space(space: str | None, expected: str) -> None:
    assert (
        kibana.build_import_request("http://k", "f.ndjson", b"", space=space).full_url == expected
    )


def test_no_auth_header_without_api_key() -> None:
    req = kibana.build_import_request("http://k", "f.ndjson", b"")
    assert "Authorization" not in dict(req.header_items())


@pytest.mark.parametrize(
    ("body", "level"),
    [
        (b'{"status":{"overall":{"level":"available","summary":"ok"}}}', "available"),
        (b'{"status":{"overall":{"level":"degraded"}}}', "degraded"),
        (b'{"status":{"overall":{"state":"green"}}}', "available"),
        (b'{"status":{"overall":{"state":"yellow"}}}', "yellow"),
        (b"Kibana server is not ready yet", None),
        (b'{"status": "weird"}', None),
        (b"[]", None),
    ],
)
def test_status_level(body: bytes, level: str | None) -> None:
    assert kibana.status_level(body) == level


# --- responses ----------------------------------------------------------------------------------


def test_parse_successful_import() -> None:
    body = json.dumps(
        {
            "success": True,
            "successCount": 6,
            "successResults": [{"type": "index-pattern", "id": "x", "meta": {}}],
            "warnings": [],
        }
    ).encode()
    result = kibana.parse_import_response("dv.ndjson", 200, body)
    assert result == kibana.ImportResult("dv.ndjson", 200, True, 6)
    assert result.ok


def test_parse_import_with_object_errors() -> None:
    body = json.dumps(
        {
            "success": False,
            "successCount": 1,
            "errors": [
                {
                    "id": "d1",
                    "type": "dashboard",
                    "meta": {"title": "Overview"},
                    "error": {
                        "type": "missing_references",
                        "references": [{"type": "index-pattern", "id": "gone"}],
                    },
                },
                {"id": "x", "type": "index-pattern", "title": "X", "error": {"type": "conflict"}},
                {
                    "id": "y",
                    "type": "lens",
                    "error": {"type": "unknown", "message": "boom", "statusCode": 500},
                },
            ],
            "warnings": [{"type": "simple", "message": "heads up"}],
        }
    ).encode()
    result = kibana.parse_import_response("f.ndjson", 200, body)
    assert not result.ok
    assert result.success_count == 1
    assert result.errors == (
        "dashboard/d1 (Overview): missing references index-pattern/gone",
        "index-pattern/x (X): conflict",
        "lens/y: unknown: boom",
    )
    assert result.warnings == ("heads up",)


def test_parse_http_error_with_json_body() -> None:
    body = json.dumps(
        {
            "statusCode": 415,
            "error": "Unsupported Media Type",
            "message": "Unsupported file extension",
        }
    ).encode()
    result = kibana.parse_import_response("f.ndjson", 415, body)
    assert not result.ok
    assert result.errors == ("HTTP 415: Unsupported file extension",)


def test_parse_non_json_response() -> None:
    result = kibana.parse_import_response("f.ndjson", 502, b"<html>Bad Gateway</html>")
    assert not result.ok
    assert result.errors == ("HTTP 502: <html>Bad Gateway</html>",)


def test_unsuccessful_without_errors_is_still_a_failure() -> None:
    result = kibana.parse_import_response("f.ndjson", 200, b'{"success": false, "successCount": 0}')
    assert not result.ok
    assert result.errors == ()


def test_total_imported() -> None:
    results = [kibana.ImportResult("a", 200, True, 2), kibana.ImportResult("b", 200, True, 3)]
    assert kibana.total_imported(results) == 5


# --- waiting ------------------------------------------------------------------------------------


class FakeClock:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_wait_until_available_polls_until_available() -> None:
    answers: list[tuple[int, bytes] | OSError] = [
        ConnectionRefusedError("refused"),
        (503, b"Kibana server is not ready yet"),
        (200, b'{"status":{"overall":{"level":"degraded"}}}'),
        (200, b'{"status":{"overall":{"level":"available"}}}'),
    ]
    seen: list[str] = []

    def send(request: Any, timeout: float) -> tuple[int, bytes]:
        seen.append(request.full_url)
        answer = answers.pop(0)
        if isinstance(answer, OSError):
            raise answer
        return answer

    clock = FakeClock()
    ok, last = kibana_cmd.wait_until_available(
        "http://k:5601", 60, send=send, clock=clock, sleep=clock.sleep, interval_s=2
    )
    assert (ok, last) == (True, "available")
    assert seen == ["http://k:5601/api/status"] * 4
    assert clock.now == 6


def test_wait_until_available_gives_up_with_the_last_reason() -> None:
    def send(request: Any, timeout: float) -> tuple[int, bytes]:
        return 503, b'{"status":{"overall":{"level":"unavailable"}}}'

    clock = FakeClock()
    ok, last = kibana_cmd.wait_until_available(
        "http://k", 10, send=send, clock=clock, sleep=clock.sleep, interval_s=2
    )
    assert not ok
    assert last == "HTTP 503, level unavailable"
    assert clock.now <= 10


# --- the whole import against a fake Kibana -------------------------------------------------------


@dataclass
class FakeKibana:
    """What the fake Kibana received, and what it answers to imports."""

    url: str
    imports: list[dict[str, Any]] = field(default_factory=list)
    answer: tuple[int, dict[str, Any]] | None = None


@pytest.fixture
def fake_kibana() -> Iterator[FakeKibana]:
    """A Kibana stand-in on 127.0.0.1 that parses the multipart upload like a real server would."""
    state = FakeKibana(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # silence the test output
            pass

        def reply(self, status: int, doc: dict[str, Any]) -> None:
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self.reply(200, {"status": {"overall": {"level": "available"}}})

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + raw
            )
            parts = list(message.iter_parts())
            lines = [json.loads(x) for x in parts[0].get_content().splitlines() if x.strip()]
            state.imports.append(
                {
                    "path": self.path,
                    "xsrf": self.headers.get("kbn-xsrf"),
                    "field": parts[0].get_param("name", header="content-disposition"),
                    "filename": parts[0].get_filename(),
                    "objects": [o for o in lines if "type" in o],
                }
            )
            count = len(state.imports[-1]["objects"])
            self.reply(
                *(state.answer or (200, {"success": True, "successCount": count, "warnings": []}))
            )

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_import_sends_every_file_in_dependency_order(
    fake_kibana: FakeKibana, tmp_path: Path
) -> None:
    for path in KIBANA_DIR.glob("*.ndjson"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "dashboards.ndjson").write_text(
        data_view("overview", [("index-pattern", "newswire-articles")], "dashboard") + "\n"
    )
    result = runner.invoke(
        kibana_cmd.app,
        [
            "import",
            "--url",
            fake_kibana.url,
            "--dir",
            str(tmp_path),
            "--wait",
            "5",
            "--space",
            "ops",
        ],
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.glob("*.ndjson"))
    # the data views first: every other file references them
    assert [i["filename"] for i in fake_kibana.imports] == ["data-views.ndjson"] + [
        n for n in names if n != "data-views.ndjson"
    ]
    first = fake_kibana.imports[0]
    assert first["path"] == "/s/ops/api/saved_objects/_import?overwrite=true"
    assert first["xsrf"] == "true"
    assert first["field"] == "file"
    assert {o["id"] for o in first["objects"]} == set(DATA_VIEWS)
    total = sum(len(f.objects) for f in kibana.load_dir(tmp_path))
    assert f"{total} saved objects imported" in result.output


def test_import_exits_non_zero_on_an_import_error(fake_kibana: FakeKibana) -> None:
    fake_kibana.answer = (
        200,
        {
            "success": False,
            "successCount": 0,
            "errors": [{"id": "x", "type": "index-pattern", "error": {"type": "conflict"}}],
        },
    )
    result = runner.invoke(
        kibana_cmd.app, ["import", "--url", fake_kibana.url, "--dir", str(KIBANA_DIR)]
    )
    assert result.exit_code == 1
    assert "index-pattern/x: conflict" in result.output


def test_import_refuses_unparseable_files(fake_kibana: FakeKibana, tmp_path: Path) -> None:
    (tmp_path / "bad.ndjson").write_text("{oops\n")
    result = runner.invoke(
        kibana_cmd.app, ["import", "--url", fake_kibana.url, "--dir", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert fake_kibana.imports == []


def test_import_fails_when_kibana_never_becomes_available(tmp_path: Path) -> None:
    (tmp_path / "a.ndjson").write_text(data_view("a") + "\n")
    # Port 9 (discard) on loopback: nothing listens, so the connection is refused at once.
    result = runner.invoke(
        kibana_cmd.app,
        ["import", "--url", "http://127.0.0.1:9", "--dir", str(tmp_path), "--wait", "0.5"],
    )
    assert result.exit_code == 1
    assert "not available" in result.output


# --- the dashboards -----------------------------------------------------------------------------

DASHBOARDS = {
    "newswire-dashboard-ingestion",
    "newswire-dashboard-revisions",
    "newswire-dashboard-entities-stories",
    "newswire-dashboard-feed-health",
}


def _objects(obj_type: str) -> dict[str, dict[str, Any]]:
    return {
        obj.ref.id: dict(obj.raw)
        for parsed in kibana.load_dir(KIBANA_DIR)
        for obj in parsed.objects
        if obj.ref.type == obj_type
    }


def test_four_dashboards_whose_panels_resolve_to_visualizations() -> None:
    dashboards = _objects("dashboard")
    visualizations = _objects("visualization")
    assert set(dashboards) == DASHBOARDS
    used: set[str] = set()
    for raw in dashboards.values():
        # as Kibana 8.8+ exports them: panels name their reference `<panelIndex>:<panelRefName>`
        assert (raw["coreMigrationVersion"], raw["typeMigrationVersion"]) == ("8.8.0", "8.7.0")
        refs = {r["name"]: r for r in raw["references"]}
        panels = json.loads(raw["attributes"]["panelsJSON"])
        assert len(panels) >= 4
        for panel in panels:
            ref = refs[f"{panel['panelIndex']}:{panel['panelRefName']}"]
            assert ref["type"] == "visualization" and ref["id"] in visualizations
            assert panel["gridData"]["i"] == panel["panelIndex"]
            assert 0 <= panel["gridData"]["x"] and panel["gridData"]["x"] + panel["gridData"]["w"] <= 48
            used.add(ref["id"])
        json.loads(raw["attributes"]["optionsJSON"])
        json.loads(raw["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    assert used == set(visualizations), "a visualization on no dashboard"


def test_every_visualization_uses_mapped_aggregatable_fields() -> None:
    from newswire.es import kibana_vis

    visualizations = kibana_vis.visualizations(kibana.load_dir(KIBANA_DIR))
    assert len(visualizations) >= 16
    for vis in visualizations:
        assert vis.problems == [], vis.id
        assert vis.family is not None
        assert kibana_vis.field_problems(vis, kibana_vis.mapping_fields(vis.family)) == [], vis.id
        raw = _objects("visualization")[vis.id]
        assert (raw["coreMigrationVersion"], raw["typeMigrationVersion"]) == ("8.8.0", "8.0.0")


def test_cli_check_fails_on_a_visualization_of_an_unmapped_field(tmp_path: Path) -> None:
    vis_state = {"title": "T", "type": "table", "params": {}, "aggs": [
        {"id": "1", "enabled": True, "type": "count", "schema": "metric", "params": {}},
        {"id": "2", "enabled": True, "type": "terms", "schema": "bucket", "params": {"field": "text", "size": 5}},
    ]}
    vis = {
        "type": "visualization", "id": "v1",
        "attributes": {"title": "T", "visState": json.dumps(vis_state), "kibanaSavedObjectMeta": {
            "searchSourceJSON": json.dumps({"indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index"})}},
        "references": [{"type": "index-pattern", "id": "newswire-articles", "name": "kibanaSavedObjectMeta.searchSourceJSON.index"}],
    }
    (tmp_path / "a.ndjson").write_text(data_view("newswire-articles") + "\n" + json.dumps(vis) + "\n")
    result = runner.invoke(kibana_cmd.app, ["check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "v1: agg 2 (terms): field 'text' (text) is not aggregatable" in result.output.replace("\n", "")
