"""Put emitted files on disk atomically, or with `check` report what would change.

Emitters return {relative path: text}; this is the only place that writes under
`generated/`. A build writes every file to a temporary name first and renames it into
place, and removes generated files no longer produced, so an interrupted build never leaves
a half-written module.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from generator.core.findings import Finding, finding
from generator.core.location import Location

MANAGED_SUFFIXES = (".py", ".json", ".csv", ".xlsx", ".md", ".dmn")  # .dmn: `ratebook publish`


@dataclass
class Drift:
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.changed or self.missing or self.extra)

    def findings(self, prefix: str = "") -> list[Finding]:
        """One finding per file, at `prefix` + its path: 'generated/x.py: changed'."""
        return (
            [finding("drift.changed", Location(prefix + p)) for p in self.changed]
            + [finding("drift.missing", Location(prefix + p)) for p in self.missing]
            + [finding("drift.extra", Location(prefix + p)) for p in self.extra]
        )


def existing_files(target: Path) -> set[str]:
    if not target.exists():
        return set()
    return {
        p.relative_to(target).as_posix()
        for p in sorted(target.rglob("*"))
        if p.is_file() and p.suffix in MANAGED_SUFFIXES and "__pycache__" not in p.parts
    }


def compare(target: Path, files: dict[str, str | bytes]) -> Drift:
    drift = Drift()
    present = existing_files(target)
    for relative, content in sorted(files.items()):
        path = target / relative
        if relative not in present:
            drift.missing.append(relative)
            continue
        data = content.encode("utf-8") if isinstance(content, str) else content
        if path.read_bytes() != data:
            drift.changed.append(relative)
    drift.extra = sorted(present - set(files))
    return drift


def write_file(path: Path, content: str | bytes) -> None:
    """Put one file in place atomically: a temporary name first, then a rename."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(
            temporary, 0o666 & ~_umask()
        )  # as an ordinary new file would be, not mkstemp's 0600
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write(target: Path, files: dict[str, str | bytes]) -> Drift:
    """Make `target` hold exactly `files`; return what changed."""
    drift = compare(target, files)
    for relative in drift.changed + drift.missing:
        write_file(target / relative, files[relative])
    for relative in drift.extra:
        (target / relative).unlink()
    return drift
