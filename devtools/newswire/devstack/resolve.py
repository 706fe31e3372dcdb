"""Fetch Kafka and Elasticsearch from Maven Central with ``mvn``, once, into the download cache.

Maven Central is the one artifact source reachable everywhere we run (no Docker, no internet),
and Maven does the checksum verification and keeps ``~/.m2`` as a second cache. Each cached
directory gets a ``.resolved`` marker only after everything in it is in place; with the marker
present, Maven is not run at all (a warm ``up`` makes no network access and pays no JVM start).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
import zipfile
from importlib import resources
from pathlib import Path

from newswire.devstack.config import ES_ARTIFACT, ES_VERSION, KAFKA_VERSION, DevstackConfig
from newswire.devstack.errors import DevstackError
from newswire.devstack.java import Java

MARKER = ".resolved"
#: Pinned so that resolves do not depend on whatever plugin version Maven would pick.
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
MVN_TIMEOUT_S = 900.0


def is_resolved(directory: Path) -> bool:
    """True when ``directory`` holds a complete, marked resolve."""
    return (directory / MARKER).is_file()


def _mark(directory: Path, what: str) -> None:
    """Write the marker that makes later runs skip Maven."""
    (directory / MARKER).write_text(json.dumps({"resolved": what}) + "\n")


def _mvn(java: Java) -> tuple[str, dict[str, str]]:
    """The ``mvn`` executable and the environment to run it with, or a clear error if missing."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise DevstackError(
            "Maven (`mvn`) is not installed; it fetches Kafka and Elasticsearch from Maven "
            "Central. Install Maven: apt-get install -y maven"
        )
    env = dict(os.environ)
    env["JAVA_HOME"] = str(java.home)
    return mvn, env


def _run_mvn(java: Java, args: list[str], cwd: Path, what: str) -> None:
    """Run ``mvn -q -B <args>``; on failure raise with the tail of Maven's output."""
    mvn, env = _mvn(java)
    argv = [mvn, "-q", "-B", "-Dstyle.color=never", *args]
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=MVN_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DevstackError(f"mvn timed out after {MVN_TIMEOUT_S:.0f}s resolving {what}") from None
    if proc.returncode != 0:
        output = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-40:])
        raise DevstackError(
            f"mvn failed (exit {proc.returncode}) resolving {what}:\n  {' '.join(argv)}\n{output}"
        )


def kafka_pom() -> str:
    """The shipped pom that lists Kafka's runtime classpath."""
    return resources.files("newswire.devstack").joinpath("kafka-pom.xml").read_text()


def resolve_kafka(cfg: DevstackConfig, java: Java) -> Path:
    """Ensure ``<cache>/kafka-<v>/libs`` holds Kafka's runtime jars; returns that ``libs`` dir."""
    dist = cfg.kafka_dist
    libs = dist / "libs"
    if is_resolved(dist) and any(libs.glob("kafka_2.13-*.jar")):
        return libs
    dist.mkdir(parents=True, exist_ok=True)
    # Run Maven on a copy of the pom in the cache, so nothing is ever written next to the package.
    pom = dist / "pom.xml"
    pom.write_text(kafka_pom())
    staging = dist / "libs.partial"
    shutil.rmtree(staging, ignore_errors=True)
    _run_mvn(
        java,
        [
            f"{DEPENDENCY_PLUGIN}:copy-dependencies",
            f"-DoutputDirectory={staging}",
            "-DincludeScope=runtime",
            "-f",
            str(pom),
        ],
        cwd=dist,
        what=f"Apache Kafka {KAFKA_VERSION}",
    )
    jars = sorted(p.name for p in staging.glob("*.jar"))
    if not any(name.startswith("kafka_2.13-") for name in jars):
        raise DevstackError(f"mvn resolved no kafka_2.13 jar into {staging}")
    shutil.rmtree(libs, ignore_errors=True)
    staging.rename(libs)
    shutil.rmtree(dist / "target", ignore_errors=True)
    _mark(dist, f"kafka {KAFKA_VERSION}: {len(jars)} jars")
    return libs


def unzip_preserving_modes(archive: Path, dest: Path) -> None:
    """Extract ``archive`` into ``dest`` keeping Unix permissions (``zipfile`` drops the x bits)."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            target = (dest / info.filename).resolve()
            if not target.is_relative_to(dest.resolve()):
                raise DevstackError(f"refusing to extract {info.filename!r} outside {dest}")
            mode = (info.external_attr >> 16) & 0o177777
            if stat.S_ISLNK(mode):
                target.parent.mkdir(parents=True, exist_ok=True)
                target.unlink(missing_ok=True)
                os.symlink(zf.read(info).decode(), target)
                continue
            zf.extract(info, dest)
            if mode & 0o777 and not info.is_dir():
                os.chmod(target, mode & 0o777)


def resolve_elasticsearch(cfg: DevstackConfig, java: Java) -> Path:
    """Ensure the unzipped ES distribution is cached; returns its directory (an ES_HOME)."""
    home = cfg.es_cache
    if is_resolved(home) and (home / "bin" / "elasticsearch").is_file():
        return home
    cfg.cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="es-resolve-", dir=cfg.cache_dir) as tmp_raw:
        tmp = Path(tmp_raw)
        # `dependency:copy` puts the zip where we say, whatever the local repository location is
        # (settings.xml / -Dmaven.repo.local); it still lands in ~/.m2 as Maven's own cache.
        # It needs a project, any project: the Kafka pom will do.
        (tmp / "pom.xml").write_text(kafka_pom())
        _run_mvn(
            java,
            [
                f"{DEPENDENCY_PLUGIN}:copy",
                f"-Dartifact={ES_ARTIFACT}",
                f"-DoutputDirectory={tmp}",
                "-Dmdep.overWriteReleases=true",
                "-f",
                str(tmp / "pom.xml"),
            ],
            cwd=tmp,
            what=f"Elasticsearch {ES_VERSION}",
        )
        archive = tmp / f"elasticsearch-{ES_VERSION}.zip"
        if not archive.is_file():
            raise DevstackError(f"mvn did not produce {archive.name}")
        unpacked = tmp / "unzipped"
        unzip_preserving_modes(archive, unpacked)
        top = unpacked / f"elasticsearch-{ES_VERSION}"
        if not (top / "bin" / "elasticsearch").is_file():
            raise DevstackError(
                f"{archive.name} has no elasticsearch-{ES_VERSION}/bin/elasticsearch"
            )
        shutil.rmtree(home, ignore_errors=True)
        top.rename(home)
    _mark(home, f"elasticsearch {ES_VERSION}")
    return home
