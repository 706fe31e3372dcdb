"""Kibana saved objects: pure helpers behind `newswire kibana check` and `newswire kibana import`.

Nothing here does I/O beyond reading the ndjson files: the CLI builds requests with these helpers,
sends them, and hands the responses back to be parsed, so every decision is unit-testable without a
Kibana.

The files in `deploy/kibana/` are Kibana 8.x exports: one saved object per line, optionally closed
by the export summary line (`{"exportedCount": ..., "missingRefCount": ...}`), which Kibana's import
skips and which we check for consistency instead.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

#: Header Kibana requires on every state-changing API call (CSRF protection).
XSRF_HEADER = ("kbn-xsrf", "true")
STATUS_PATH = "/api/status"
IMPORT_PATH = "/api/saved_objects/_import"


class ObjectRef(NamedTuple):
    """A saved object's identity: Kibana resolves references by (type, id)."""

    type: str
    id: str


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a saved-objects file, located by file and 1-based line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class SavedObject:
    """One parsed ndjson line that is a saved object (not the export summary)."""

    file: str
    line: int
    ref: ObjectRef
    references: tuple[ObjectRef, ...]
    raw: Mapping[str, Any]


@dataclass
class ParsedFile:
    """A parsed ndjson file: its objects, its export summary if any, and what was wrong."""

    name: str
    objects: list[SavedObject] = field(default_factory=list)
    summary: Mapping[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)


def is_export_summary(obj: Mapping[str, Any]) -> bool:
    """Whether a line is the summary Kibana appends to an export (import skips it)."""
    return "exportedCount" in obj and "type" not in obj


def parse_ndjson(name: str, text: str) -> ParsedFile:
    """Parse one export file; structural problems are collected, never raised."""
    parsed = ParsedFile(name=name)
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            parsed.problems.append(Problem(name, lineno, f"invalid JSON: {exc.msg}"))
            continue
        if not isinstance(obj, dict):
            parsed.problems.append(Problem(name, lineno, "line is not a JSON object"))
            continue
        if is_export_summary(obj):
            if parsed.summary is not None:
                parsed.problems.append(Problem(name, lineno, "second export summary line"))
            parsed.summary = obj
            continue
        if parsed.summary is not None:
            parsed.problems.append(Problem(name, lineno, "saved object after the export summary"))
        saved = _saved_object(name, lineno, obj, parsed.problems)
        if saved is not None:
            parsed.objects.append(saved)
    return parsed


def _saved_object(
    name: str, lineno: int, obj: Mapping[str, Any], problems: list[Problem]
) -> SavedObject | None:
    """Validate the fields Kibana needs to import one object; record problems."""
    obj_type, obj_id = obj.get("type"), obj.get("id")
    if not isinstance(obj_type, str) or not obj_type or not isinstance(obj_id, str) or not obj_id:
        problems.append(Problem(name, lineno, "saved object without a string 'type' and 'id'"))
        return None
    if not isinstance(obj.get("attributes"), dict):
        problems.append(
            Problem(name, lineno, f"{obj_type}/{obj_id}: 'attributes' is not an object")
        )
    refs: list[ObjectRef] = []
    raw_refs = obj.get("references", [])
    if not isinstance(raw_refs, list):
        problems.append(Problem(name, lineno, f"{obj_type}/{obj_id}: 'references' is not a list"))
        raw_refs = []
    for ref in raw_refs:
        if (
            isinstance(ref, dict)
            and isinstance(ref.get("type"), str)
            and isinstance(ref.get("id"), str)
            and isinstance(ref.get("name"), str)
        ):
            refs.append(ObjectRef(ref["type"], ref["id"]))
        else:
            problems.append(
                Problem(
                    name, lineno, f"{obj_type}/{obj_id}: reference without name/type/id: {ref!r}"
                )
            )
    return SavedObject(name, lineno, ObjectRef(obj_type, obj_id), tuple(refs), obj)


def check_files(files: Sequence[ParsedFile]) -> list[Problem]:
    """Everything wrong across a set of files that are imported together.

    Beyond each file's own parse problems: (type, id) must be unique across the set, every
    reference must resolve to an object in the set, and an export summary must count the
    objects it closes and report no missing references.
    """
    problems: list[Problem] = []
    seen: dict[ObjectRef, SavedObject] = {}
    for parsed in files:
        problems.extend(parsed.problems)
        for obj in parsed.objects:
            first = seen.setdefault(obj.ref, obj)
            if first is not obj:
                problems.append(
                    Problem(
                        obj.file,
                        obj.line,
                        f"duplicate {obj.ref.type}/{obj.ref.id}"
                        f" (first at {first.file}:{first.line})",
                    )
                )
        problems.extend(_summary_problems(parsed))
    for parsed in files:
        for obj in parsed.objects:
            for ref in obj.references:
                if ref not in seen:
                    problems.append(
                        Problem(
                            obj.file,
                            obj.line,
                            f"{obj.ref.type}/{obj.ref.id} references missing {ref.type}/{ref.id}",
                        )
                    )
    return problems


def _summary_problems(parsed: ParsedFile) -> list[Problem]:
    """An export summary that disagrees with its file means the file was edited by hand."""
    summary = parsed.summary
    if summary is None:
        return []
    problems: list[Problem] = []
    if summary.get("exportedCount") != len(parsed.objects):
        problems.append(
            Problem(
                parsed.name,
                0,
                f"export summary says exportedCount={summary.get('exportedCount')!r} "
                f"but the file holds {len(parsed.objects)} objects",
            )
        )
    if summary.get("missingRefCount", 0) != 0:
        problems.append(Problem(parsed.name, 0, "export summary reports missing references"))
    return problems


def load_dir(directory: Path) -> list[ParsedFile]:
    """Parse every `*.ndjson` file of a directory, in name order."""
    return [
        parse_ndjson(path.name, path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.ndjson"))
    ]


def import_order(files: Sequence[ParsedFile]) -> list[str]:
    """File names in import order: by name, except that a file follows the files it references.

    Kibana resolves references only against the same file and what already exists, so a file of
    dashboards must follow the file of data views it points at, whatever the names sort like.
    Reference cycles between files cannot be ordered; their files keep name order.
    """
    owner = {obj.ref: parsed.name for parsed in files for obj in parsed.objects}
    needs: dict[str, set[str]] = {parsed.name: set() for parsed in files}
    for parsed in files:
        for obj in parsed.objects:
            for ref in obj.references:
                other = owner.get(ref)
                if other is not None and other != parsed.name:
                    needs[parsed.name].add(other)
    ordered: list[str] = []
    pending = sorted(needs)
    while pending:
        ready = [name for name in pending if needs[name] <= set(ordered)]
        if not ready:  # a cycle: give up on ordering what is left
            ordered.extend(pending)
            break
        ordered.append(ready[0])
        pending.remove(ready[0])
    return ordered


# --- HTTP: requests to build, responses to parse ---------------------------------------------


def space_url(base_url: str, path: str, space: str | None = None) -> str:
    """Absolute URL of a Kibana API path, in a space when one is given (`/s/<space>/...`)."""
    prefix = f"/s/{urllib.parse.quote(space, safe='')}" if space and space != "default" else ""
    return base_url.rstrip("/") + prefix + path


def auth_headers(api_key: str | None) -> dict[str, str]:
    """Headers authenticating with an Elasticsearch API key (Kibana accepts the same)."""
    return {"Authorization": f"ApiKey {api_key}"} if api_key else {}


def build_status_request(base_url: str, api_key: str | None = None) -> urllib.request.Request:
    """`GET /api/status`."""
    return urllib.request.Request(
        base_url.rstrip("/") + STATUS_PATH,
        headers={"Accept": "application/json", **auth_headers(api_key)},
        method="GET",
    )


def status_level(body: bytes) -> str | None:
    """Overall level from a `/api/status` body ('available', 'degraded', ...); None if unreadable.

    Kibana 8 answers `{"status": {"overall": {"level": ...}}}`; older ones `{"state": ...}` under
    `overall`, mapped here so that 'green' counts as available.
    """
    try:
        doc: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    status = doc.get("status") if isinstance(doc, dict) else None
    overall = status.get("overall") if isinstance(status, dict) else None
    if not isinstance(overall, dict):
        return None
    level = overall.get("level")
    if isinstance(level, str):
        return level
    state = overall.get("state")
    if isinstance(state, str):
        return "available" if state == "green" else state
    return None


def encode_multipart(
    field_name: str, filename: str, content: bytes, boundary: str | None = None
) -> tuple[bytes, str]:
    """A multipart/form-data body with one file part; returns (body, content-type header)."""
    boundary = boundary or f"newswire-{uuid.uuid4().hex}"
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field_name}"; filename="{filename}"\r\n'
        "Content-Type: application/ndjson\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head + content + tail, f"multipart/form-data; boundary={boundary}"


def build_import_request(
    base_url: str,
    filename: str,
    content: bytes,
    *,
    space: str | None = None,
    overwrite: bool = True,
    api_key: str | None = None,
    boundary: str | None = None,
) -> urllib.request.Request:
    """`POST /api/saved_objects/_import?overwrite=...` with the file as the `file` part."""
    body, content_type = encode_multipart("file", filename, content, boundary)
    query = urllib.parse.urlencode({"overwrite": "true" if overwrite else "false"})
    return urllib.request.Request(
        space_url(base_url, IMPORT_PATH, space) + "?" + query,
        data=body,
        headers={
            "Content-Type": content_type,
            "Accept": "application/json",
            XSRF_HEADER[0]: XSRF_HEADER[1],
            **auth_headers(api_key),
        },
        method="POST",
    )


@dataclass(frozen=True)
class ImportResult:
    """What Kibana made of one imported file."""

    file: str
    status: int
    success: bool
    success_count: int
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Imported with no error at all."""
        return self.success and not self.errors and 200 <= self.status < 300


def parse_import_response(file: str, status: int, body: bytes) -> ImportResult:
    """Turn an import response (any status, any body) into an ImportResult.

    A 200 carries `success`, `successCount`, per-object `errors` and `warnings`; other statuses
    carry `{"statusCode", "error", "message"}` or, from a proxy, anything at all.
    """
    try:
        doc: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        doc = None
    if not isinstance(doc, dict):
        text = body.decode("utf-8", errors="replace").strip()[:200]
        return ImportResult(file, status, False, 0, (f"HTTP {status}: {text or 'empty body'}",))
    if not 200 <= status < 300 or "success" not in doc:
        message = doc.get("message") or doc.get("error") or json.dumps(doc)[:200]
        return ImportResult(file, status, False, 0, (f"HTTP {status}: {message}",))
    errors = tuple(describe_import_error(err) for err in doc.get("errors") or [])
    warnings = tuple(
        str(w.get("message", w)) if isinstance(w, dict) else str(w)
        for w in doc.get("warnings") or []
    )
    count = doc.get("successCount", 0)
    return ImportResult(
        file,
        status,
        bool(doc.get("success")),
        count if isinstance(count, int) else 0,
        errors,
        warnings,
    )


def describe_import_error(err: Any) -> str:
    """One line for one entry of an import response's `errors`."""
    if not isinstance(err, dict):
        return str(err)
    what = f"{err.get('type', '?')}/{err.get('id', '?')}"
    meta = err.get("meta")
    title = err.get("title") or (meta.get("title") if isinstance(meta, dict) else None)
    if title:
        what += f" ({title})"
    raw_detail = err.get("error")
    detail: dict[str, Any] = raw_detail if isinstance(raw_detail, dict) else {}
    kind = str(detail.get("type", "unknown"))
    if kind == "missing_references":
        missing = ", ".join(
            f"{r.get('type')}/{r.get('id')}"
            for r in detail.get("references") or []
            if isinstance(r, dict)
        )
        return f"{what}: missing references {missing}"
    message = detail.get("message")
    return f"{what}: {kind}" + (f": {message}" if message else "")


def total_imported(results: Iterable[ImportResult]) -> int:
    """Objects imported across files."""
    return sum(r.success_count for r in results)
