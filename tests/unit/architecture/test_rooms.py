"""The house rules, checked on the sources as they lie: every service has the same rooms, and
only its wiring and adapters talk to Kafka, HTTP or Elasticsearch; only the runtime imports the
stream engine, and no service reaches into it (`stage.app`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SERVICES = sorted(p for p in (REPO / "services").iterdir() if (p / "pyproject.toml").exists())


def package(service: Path) -> Path:
    """A service's package: services/<name>/newswire/<name>/ (its file path is its import path)."""
    return service / "newswire" / service.name

#: Client libraries (and our own modules that wrap them) a logic module must not import.
CLIENTS = re.compile(
    r"^(aiokafka|faust|mode|aiohttp|httpx|requests|urllib3|urllib\.request|elasticsearch|"
    r"newswire\.kafka|newswire\.es\.(client|setup)|newswire\.net\.http|newswire\.runtime\.stage)(\.|$)"
)
#: The rooms allowed to import clients: the wiring, the adapters (behind their Protocols) and
#: the settings; plus the poller's feed-registry adapter (the compacted feeds topic, for the CLI).
OUTER_ROOMS = {"wiring.py", "adapters.py", "settings.py", "cli.py"}
EXTRA_ADAPTERS = {("poller", "registry.py")}


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, anywhere in it (local imports too), with its line."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.extend([(node.lineno, node.module)] + [(node.lineno, f"{node.module}.{a.name}") for a in node.names])
    return found


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_every_service_has_the_same_rooms(service: Path) -> None:
    """Wiring, settings and (but for the sink, whose logic is its document builder) a pure logic
    module; the README opens with a Rooms section that names every module and its room."""
    modules = {p.name for p in package(service).glob("*.py")} - {"__init__.py"}
    assert {"wiring.py", "settings.py"} <= modules
    assert "logic.py" in modules or service.name == "sink", f"{service.name} has no pure logic module"
    readme = (service / "README.md").read_text("utf-8")
    sections = readme.split("\n## ")
    assert len(sections) > 1 and sections[1].startswith("Rooms\n"), f"{service.name}'s README does not open with its rooms"
    rooms = sections[1]
    for room in ("| wiring |", "| logic |", "| adapters |", "| settings |"):
        assert room in rooms, f"{service.name}: no {room} row"
    missing = sorted(m for m in modules if f"`{m}`" not in rooms)
    assert not missing, f"{service.name}'s Rooms section does not place {missing}"


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_logic_modules_import_no_clients(service: Path) -> None:
    offending = [
        f"{path.relative_to(REPO)}:{line} imports {name}"
        for path in sorted(package(service).glob("*.py"))
        if path.name not in OUTER_ROOMS and not path.name.endswith("_cmd.py")
        and (service.name, path.name) not in EXTRA_ADAPTERS
        for line, name in imports(path)
        if CLIENTS.match(name)
    ]
    assert not offending, "\n".join(offending)


def test_only_the_runtime_imports_the_stream_engine() -> None:
    runtime = REPO / "shared" / "newswire" / "runtime"
    offending = [
        f"{path.relative_to(REPO)}:{line} imports {name}"
        for root in ("services", "shared", "devtools", "bench")
        for path in sorted((REPO / root).rglob("*.py"))
        if runtime not in path.parents
        for line, name in imports(path)
        if re.match(r"^(faust|mode)(\.|$)", name)
    ]
    assert not offending, "\n".join(offending)


def test_no_service_reaches_into_the_engine() -> None:
    offending = [
        f"{path.relative_to(REPO)}:{n}: {line.strip()}"
        for path in sorted((REPO / "services").rglob("*.py"))
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if re.search(r"\bstage\.app\b|\._app\b", line)
    ]
    assert not offending, "\n".join(offending)


def test_the_rule_sees_what_it_must() -> None:
    """The checks themselves: a local import of a client is found, a pure import is not."""
    source = "import re\n\ndef f():\n    from aiokafka import AIOKafkaConsumer\n    import newswire.contracts\n"
    tree_file = REPO / "build" / "_rule_probe.py"
    tree_file.parent.mkdir(exist_ok=True)
    tree_file.write_text(source, "utf-8")
    try:
        names = [name for _, name in imports(tree_file)]
    finally:
        tree_file.unlink()
    assert [n for n in names if CLIENTS.match(n)] == ["aiokafka", "aiokafka.AIOKafkaConsumer"]
