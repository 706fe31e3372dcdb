"""Dev stack, without servers: config rendering, port overrides, Java detection, pid files."""

from __future__ import annotations

import base64
import os
import socket
import stat
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswire.devstack import elasticsearch, java, kafka, process, resolve
from newswire.devstack.config import DevstackConfig, load_config
from newswire.devstack.errors import DevstackError


def _cfg(tmp_path: Path, *, as_root: bool = False, **env: str) -> DevstackConfig:
    return load_config({"NEWSWIRE_CACHE_DIR": str(tmp_path / "cache"), **env}, as_root=as_root)


def _props(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


# --- config: ports and directories ---------------------------------------------------------------
def test_defaults(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    assert (cfg.kafka_port, cfg.kafka_controller_port) == (19092, 19093)
    assert (cfg.es_port, cfg.es_transport_port) == (19200, 19300)
    assert cfg.home == tmp_path / "cache" / "devstack"
    assert cfg.kafka_dist == tmp_path / "cache" / "kafka-4.1.1"
    assert cfg.kafka_bootstrap == "127.0.0.1:19092"
    assert cfg.es_url == "http://127.0.0.1:19200"


def test_port_overrides(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, NEWSWIRE_DEVSTACK_KAFKA_PORT="29092", NEWSWIRE_DEVSTACK_ES_PORT="29200")
    assert (cfg.kafka_port, cfg.kafka_controller_port) == (29092, 29093)
    assert (cfg.es_port, cfg.es_transport_port) == (29200, 29300)
    assert cfg.kafka_bootstrap == "127.0.0.1:29092"
    assert cfg.es_url == "http://127.0.0.1:29200"


@pytest.mark.parametrize("value", ["abc", "80", "70000"])
def test_bad_port_is_a_clear_error(tmp_path: Path, value: str) -> None:
    with pytest.raises(DevstackError, match="NEWSWIRE_DEVSTACK_KAFKA_PORT"):
        _cfg(tmp_path, NEWSWIRE_DEVSTACK_KAFKA_PORT=value)


def test_overlapping_ports_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(DevstackError, match="port clash"):
        _cfg(tmp_path, NEWSWIRE_DEVSTACK_KAFKA_PORT="19199", NEWSWIRE_DEVSTACK_ES_PORT="19200")


def test_es_lives_outside_root_home_when_root(tmp_path: Path) -> None:
    root = _cfg(tmp_path, as_root=True)
    assert root.es_dir == Path("/var/lib/newswire-devstack")
    assert root.es_home == Path("/var/lib/newswire-devstack/es-8.19.21")
    assert root.es_config == Path("/var/lib/newswire-devstack/elasticsearch/config")
    user = _cfg(tmp_path, as_root=False)
    assert user.es_home == user.es_cache  # runs straight from the cache
    assert user.es_state == user.home / "elasticsearch"
    custom = _cfg(tmp_path, as_root=True, NEWSWIRE_DEVSTACK_ES_DIR=str(tmp_path / "es"))
    assert custom.es_home == tmp_path / "es" / "es-8.19.21"


def test_devstack_home_override(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, NEWSWIRE_DEVSTACK_HOME=str(tmp_path / "state"))
    assert cfg.kafka_data == tmp_path / "state" / "kafka-data"
    assert cfg.kafka_pidfile == tmp_path / "state" / "kafka" / "kafka.pid"


# --- rendering -----------------------------------------------------------------------------------
def test_server_properties(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    props = _props(kafka.render_server_properties(cfg))
    assert props == {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": "127.0.0.1:19093",
        "listeners": "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093",
        "advertised.listeners": "PLAINTEXT://127.0.0.1:19092",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(cfg.kafka_data),
        "num.partitions": "1",
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "group.initial.rebalance.delay.ms": "0",
        "message.max.bytes": "26214400",
    }
    # Dynamic quorum (formatted with --standalone): the static voters list must not be set.
    assert "controller.quorum.voters" not in props


def test_server_properties_follow_port_override(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, NEWSWIRE_DEVSTACK_KAFKA_PORT="29092")
    props = _props(kafka.render_server_properties(cfg))
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:29093"


def test_log4j2_config_is_xml_pointing_at_the_state_dir(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path / "a&b")
    root = ET.fromstring(kafka.render_log4j2(cfg))
    rolling = root.find("./Appenders/RollingFile")
    assert rolling is not None
    assert rolling.get("fileName") == str(cfg.kafka_log)


def test_cluster_id_is_a_kafka_uuid() -> None:
    for _ in range(200):
        cid = kafka.new_cluster_id()
        assert len(cid) == 22 and not cid.startswith("-")
        assert len(base64.urlsafe_b64decode(cid + "==")) == 16


def test_elasticsearch_yml(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, NEWSWIRE_DEVSTACK_ES_PORT="29200")
    text = elasticsearch.render_elasticsearch_yml(cfg, geoip=False)
    lines = dict(line.split(": ", 1) for line in text.splitlines() if not line.startswith("#"))
    assert lines == {
        "cluster.name": '"newswire-dev"',
        "node.name": '"dev-1"',
        "network.host": '"127.0.0.1"',
        "http.port": "29200",
        "transport.port": "29300",
        "discovery.type": '"single-node"',
        "xpack.security.enabled": "false",
        "path.data": f'"{cfg.es_data}"',
        "path.logs": f'"{cfg.es_logs}"',
        "cluster.routing.allocation.disk.threshold_enabled": "false",
        "action.destructive_requires_name": "false",
    }
    with_geoip = elasticsearch.render_elasticsearch_yml(cfg, geoip=True)
    assert "ingest.geoip.downloader.enabled: false" in with_geoip


def test_geoip_setting_only_when_the_module_exists(tmp_path: Path) -> None:
    (tmp_path / "modules" / "x-pack-core").mkdir(parents=True)
    assert not elasticsearch.geoip_setting_exists(tmp_path)
    (tmp_path / "modules" / "ingest-geoip").mkdir()
    assert elasticsearch.geoip_setting_exists(tmp_path)


def test_heap_options() -> None:
    assert elasticsearch.HEAP_OPTIONS.split() == ["-Xms512m", "-Xmx1g"]


# --- Java ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('java version "1.8.0_292"', 8),
        ('openjdk version "25-ea" 2025-09-16', 25),
        ('openjdk version "11.0.2+9"', 11),
        ('Picked up JAVA_TOOL_OPTIONS: -Xss1m\nopenjdk version "17.0.1"', 17),
    ],
)
def test_parse_java_major(output: str, major: int) -> None:
    assert java.parse_java_major(output) == major


def test_unparseable_java_version() -> None:
    with pytest.raises(DevstackError, match="cannot parse"):
        java.parse_java_major("command not found")


def _fake_jdk(root: Path, version: str) -> Path:
    home = root / f"jdk-{version}"
    (home / "bin").mkdir(parents=True)
    binary = home / "bin" / "java"
    binary.write_text(f"#!/bin/sh\necho 'openjdk version \"{version}\" 2024-01-01' >&2\n")
    binary.chmod(0o755)
    return home


def test_java_home_is_used_when_new_enough(tmp_path: Path) -> None:
    home = _fake_jdk(tmp_path, "21.0.3")
    found = java.find_java({"JAVA_HOME": str(home), "PATH": ""})
    assert (found.home, found.major, found.binary) == (home, 21, str(home / "bin" / "java"))


def test_old_java_home_falls_back_then_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _fake_jdk(tmp_path, "11.0.2")
    monkeypatch.setattr(java, "DEBIAN_JDK17", tmp_path / "missing")
    with pytest.raises(DevstackError, match=r"Java 17\+ is required.*Java 11"):
        java.find_java({"JAVA_HOME": str(old), "PATH": ""})
    good = _fake_jdk(tmp_path, "17.0.9")
    monkeypatch.setattr(java, "DEBIAN_JDK17", good)
    assert java.find_java({"JAVA_HOME": str(old), "PATH": ""}).home == good


# --- pid files -----------------------------------------------------------------------------------
@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(["sleep", "300"], start_new_session=True)
    # Popen returns once the child's exec closed its error pipe, which the kernel does before it
    # sets up the new command line: /proc/<pid>/cmdline may be empty for a moment after
    # (1 start in 500 here). The devstack reads pid files seconds after a start, not microseconds.
    deadline = time.monotonic() + 10
    while "sleep 300" not in process._cmdline(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.001)
    yield proc
    proc.kill()
    proc.wait()


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_live_pid_with_marker_is_kept(tmp_path: Path, sleeper: subprocess.Popen[bytes]) -> None:
    pidfile = tmp_path / "x.pid"
    process.write_pid(pidfile, sleeper.pid)
    assert process.read_pid(pidfile, "sleep 300") == sleeper.pid
    assert pidfile.exists()


@pytest.mark.parametrize("content", ["", "garbage", "-5", "dead"])
def test_stale_pid_file_is_removed(tmp_path: Path, content: str) -> None:
    pidfile = tmp_path / "x.pid"
    pidfile.write_text(str(_dead_pid()) if content == "dead" else content)
    assert process.read_pid(pidfile, "kafka.Kafka") is None
    assert not pidfile.exists()


def test_reused_pid_is_stale(tmp_path: Path) -> None:
    # Our own pid is alive, but it is not a Kafka: a recycled pid must not count as running.
    pidfile = tmp_path / "x.pid"
    process.write_pid(pidfile, os.getpid())
    assert process.read_pid(pidfile, "kafka.Kafka server.properties") is None
    assert not pidfile.exists()


def test_missing_pid_file(tmp_path: Path) -> None:
    assert process.read_pid(tmp_path / "none.pid", "x") is None


def test_stop_service_terminates_the_process_group(tmp_path: Path) -> None:
    # A shell leading a group with a child: both must go.
    proc = process.start_detached(
        ["sh", "-c", "sleep 301 & wait"], cwd=tmp_path, env=dict(os.environ),
        stdout_path=tmp_path / "out.log",
    )  # fmt: skip
    pidfile = tmp_path / "sh.pid"
    process.write_pid(pidfile, proc.pid)
    time.sleep(0.2)
    assert process.group_members(proc.pid, "sleep 301")
    assert process.stop_service(pidfile, "sleep 301", grace_s=5) == "stopped"
    assert not pidfile.exists()
    assert not process.group_members(proc.pid, "sleep 301")
    assert "starting: sh -c" in (tmp_path / "out.log").read_text()
    assert process.stop_service(pidfile, "sleep 301") == "not running"  # twice is fine


def test_stop_escalates_to_sigkill(tmp_path: Path) -> None:
    script = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(300)"
    )
    out = tmp_path / "out.log"
    proc = process.start_detached(
        [sys.executable, "-c", script], cwd=tmp_path, env=dict(os.environ), stdout_path=out
    )
    for _ in range(100):
        if out.read_text().endswith("\nready\n"):
            break
        time.sleep(0.05)
    pidfile = tmp_path / "py.pid"
    process.write_pid(pidfile, proc.pid)
    assert process.stop_service(pidfile, "SIG_IGN", grace_s=0.5) == "killed"
    assert not process.pid_alive(proc.pid)


# --- ports and logs ------------------------------------------------------------------------------
def test_taken_port_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert not process.port_free("127.0.0.1", port)
        with pytest.raises(
            DevstackError,
            match=rf"127\.0\.0\.1:{port} is already in use by pid {os.getpid()}.*HINT",
        ):
            process.ensure_ports_free("127.0.0.1", {port: "HINT"})
    assert process.port_free("127.0.0.1", port)


def test_tail(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text("".join(f"line {i}\n" for i in range(10_000)))
    assert process.tail(log, 3) == ["line 9997", "line 9998", "line 9999"]
    assert process.tail(tmp_path / "missing.log") == []


# --- resolve (no Maven run) ----------------------------------------------------------------------
def test_missing_mvn_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    fake_java = java.Java(home=tmp_path, major=17)
    with pytest.raises(DevstackError, match="apt-get install -y maven"):
        resolve.resolve_kafka(_cfg(tmp_path), fake_java)


def test_resolved_cache_skips_maven(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _cfg(tmp_path)
    libs = cfg.kafka_dist / "libs"
    libs.mkdir(parents=True)
    (libs / "kafka_2.13-4.1.1.jar").write_bytes(b"")
    (cfg.kafka_dist / resolve.MARKER).write_text("{}")
    (cfg.es_cache / "bin").mkdir(parents=True)
    (cfg.es_cache / "bin" / "elasticsearch").write_text("")
    (cfg.es_cache / resolve.MARKER).write_text("{}")

    def no_maven(*args: object, **kwargs: object) -> None:
        raise AssertionError("mvn must not run when the cache is complete")

    monkeypatch.setattr(resolve, "_run_mvn", no_maven)
    fake_java = java.Java(home=tmp_path, major=17)
    assert resolve.resolve_kafka(cfg, fake_java) == libs
    assert resolve.resolve_elasticsearch(cfg, fake_java) == cfg.es_cache


def test_kafka_pom_pins_slf4j2_and_has_no_kafka_tools() -> None:
    pom = ET.fromstring(resolve.kafka_pom())
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    deps = {
        f"{d.findtext('m:groupId', namespaces=ns)}:{d.findtext('m:artifactId', namespaces=ns)}":
        d.findtext("m:version", namespaces=ns)
        for d in pom.iterfind("m:dependencies/m:dependency", ns)
    }  # fmt: skip
    assert deps == {
        "org.apache.kafka:kafka_2.13": "4.1.1",
        "org.slf4j:slf4j-api": "2.0.17",
        "org.apache.logging.log4j:log4j-slf4j2-impl": "2.24.3",
        "org.apache.logging.log4j:log4j-core": "2.24.3",
    }


def test_unzip_keeps_executable_bits(tmp_path: Path) -> None:
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("es/bin/elasticsearch")
        info.external_attr = (stat.S_IFREG | 0o755) << 16
        zf.writestr(info, "#!/bin/sh\n")
        zf.writestr("es/config/jvm.options", "-Xms1g\n")
    resolve.unzip_preserving_modes(archive, tmp_path / "out")
    assert os.access(tmp_path / "out" / "es" / "bin" / "elasticsearch", os.X_OK)
    assert (tmp_path / "out" / "es" / "config" / "jvm.options").read_text() == "-Xms1g\n"


def test_unzip_refuses_path_traversal(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../escape.txt", "x")
    with pytest.raises(DevstackError, match="outside"):
        resolve.unzip_preserving_modes(archive, tmp_path / "out")


# --- Kafka wire-protocol probe (encoded by hand) -------------------------------------------------
def _string(text: str | None) -> bytes:
    if text is None:
        return (-1).to_bytes(2, "big", signed=True)
    return len(text).to_bytes(2, "big") + text.encode()


def test_parse_api_versions() -> None:
    import struct

    body = struct.pack(">hi", 0, 2) + struct.pack(">hhh", 3, 0, 13) + struct.pack(">hhh", 18, 0, 4)
    assert kafka.parse_api_versions(body) == {3: (0, 13), 18: (0, 4)}


def test_parse_metadata() -> None:
    import struct

    body = (
        struct.pack(">i", 0)
        + struct.pack(">i", 1)
        + struct.pack(">i", 1) + _string("127.0.0.1") + struct.pack(">i", 19092) + _string(None)
        + _string("j7kvLur0SGqd29xpHgO3_g")
        + struct.pack(">i", 1)
        + struct.pack(">i", 0)  # topics (ignored)
    )  # fmt: skip
    probe = kafka.parse_metadata(body)
    assert probe == kafka.KafkaProbe("j7kvLur0SGqd29xpHgO3_g", ("127.0.0.1:19092",), 1)
    assert len(kafka.metadata_request(7)) == 5 and len(kafka.metadata_request(8)) == 7


@pytest.mark.timeout(10)
def test_follow_yields_appended_lines_only(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text("old\n")
    lines = process.follow([log, tmp_path / "not-yet.log"], poll_s=0.01)
    with log.open("a") as fh:
        fh.write("new 1\nnew ")
    assert next(lines) == (log, "new 1")
    with log.open("a") as fh:
        fh.write("2\n")
    assert next(lines) == (log, "new 2")
    (tmp_path / "not-yet.log").write_text("born\n")
    assert next(lines) == (tmp_path / "not-yet.log", "born")


def test_tail_ignores_output_before_start(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text("earlier run\n")
    start = log.stat().st_size
    assert process.tail(log, 40, start=start) == []
    with log.open("a") as fh:
        fh.write("this run\n")
    assert process.tail(log, 40, start=start) == ["this run"]
