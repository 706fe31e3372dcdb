"""Find a Java >= 17 for Kafka 4.1 and Elasticsearch 8.19 (the integ-test zip bundles no JDK)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from newswire.devstack.errors import DevstackError

MIN_JAVA = 17
#: Debian/Ubuntu's OpenJDK 17, tried when JAVA_HOME is unset or too old.
DEBIAN_JDK17 = Path("/usr/lib/jvm/java-17-openjdk-amd64")

_VERSION_RE = re.compile(r'version\s+"([^"]+)"')


@dataclass(frozen=True)
class Java:
    """A usable JDK: its home (for JAVA_HOME / ES_JAVA_HOME), the binary and the major version."""

    home: Path
    major: int

    @property
    def binary(self) -> str:
        """Path of the ``java`` executable."""
        return str(self.home / "bin" / "java")


def parse_java_major(version_output: str) -> int:
    """Major version from ``java -version`` output: ``"17.0.15"`` -> 17, ``"1.8.0_292"`` -> 8."""
    match = _VERSION_RE.search(version_output)
    if match is None:
        raise DevstackError(f"cannot parse the Java version from: {version_output.strip()[:200]!r}")
    parts = re.split(r"[._+-]", match.group(1))
    try:
        first = int(parts[0])
        return int(parts[1]) if first == 1 and len(parts) > 1 else first
    except ValueError:
        raise DevstackError(f"cannot parse the Java version {match.group(1)!r}") from None


def _probe(home: Path) -> Java | None:
    """Run ``<home>/bin/java -version``; None when there is no working java there."""
    binary = home / "bin" / "java"
    if not binary.is_file():
        return None
    try:
        proc = subprocess.run(
            [str(binary), "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    try:
        return Java(home=home, major=parse_java_major(proc.stderr + proc.stdout))
    except DevstackError:
        return None


def find_java(env: Mapping[str, str] | None = None) -> Java:
    """First Java >= 17 of ``$JAVA_HOME``, Debian's OpenJDK 17, ``java`` on PATH; else fail."""
    env = os.environ if env is None else env
    candidates: list[Path] = []
    if env.get("JAVA_HOME"):
        candidates.append(Path(env["JAVA_HOME"]))
    candidates.append(DEBIAN_JDK17)
    on_path = shutil.which("java", path=env.get("PATH"))
    if on_path:
        # /usr/bin/java -> /etc/alternatives/java -> /usr/lib/jvm/<jdk>/bin/java: home is two up.
        candidates.append(Path(os.path.realpath(on_path)).parent.parent)
    seen: list[str] = []
    for home in candidates:
        java = _probe(home)
        if java is None:
            continue
        if java.major >= MIN_JAVA:
            return java
        seen.append(f"{home} (Java {java.major})")
    found = "; found only " + ", ".join(seen) if seen else ""
    raise DevstackError(
        f"Java {MIN_JAVA}+ is required for Kafka and Elasticsearch{found}. "
        "Install it (apt-get install -y openjdk-17-jdk-headless) or point JAVA_HOME at a JDK 17+."
    )
