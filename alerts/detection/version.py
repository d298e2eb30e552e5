"""The detector's version tag: its parameters, its known-events calendar and all of its code.

Written to the store's meta (`detector_version`) with the detections, so the alert evaluation
log can tell one detector's verdicts from the next one's. The code part is every file of this
package, found on disk rather than listed by hand: a listed set once missed two modules that
decide verdicts.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from alerts.detection.detectors import DetectorParams

PACKAGE_DIR = Path(__file__).resolve().parent
CODE_SUFFIXES = (".py", ".toml")


def code_files(package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """Every source and data file of the detection package, in a stable order."""
    return sorted(
        path
        for path in package_dir.rglob("*")
        if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts
    )


def code_digest(package_dir: Path = PACKAGE_DIR) -> str:
    digest = hashlib.sha256()
    for path in code_files(package_dir):
        digest.update(path.relative_to(package_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def detector_version(params: DetectorParams | None = None, fdr: float | None = None) -> str:
    """A short stable tag, e.g. `detector-1a2b3c4d`."""
    params = params or DetectorParams()
    digest = hashlib.sha256()
    digest.update(repr(params).encode())
    digest.update(params.known_events.calendar.model_dump_json().encode())
    digest.update(repr(fdr).encode())
    digest.update(code_digest().encode())
    return "detector-" + digest.hexdigest()[:8]
