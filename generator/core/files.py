"""Put emitted files on disk atomically, or with `check` report what would change.

Emitters return {relative path: text}; this is the only place that writes under
`generated/`. A build replaces the whole tree at once (`replace_tree`, see `tree_swap`), so a
build killed at any moment leaves the old tree or the new one, never a mix. Any other file
ratebook writes (a batch's results and errors, an exported workbook, a report) is written
under a temporary name beside it, `.NAME.ratebook-PID-TOKEN.partial` (`Partial`), and renamed
into place when complete. The writer holds a lock on that file while it lives; the next run
removes the temporaries whose writer is gone (`remove_stale`): only names of that form, and
only when no process holds their lock, so a user's file and a running writer's file are safe.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from generator.core import tree_swap
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


def _bytes(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def managed(relative: str) -> bool:
    """Whether a file under `generated/` is one the build writes (or removes as stale)."""
    path = Path(relative)
    return path.suffix in MANAGED_SUFFIXES and "__pycache__" not in path.parts


def replace_tree(target: Path, files: dict[str, str | bytes]) -> Drift:
    """Make `target` hold exactly `files` in one step, first repairing what a killed build
    left; return what changed. Files of the tree that no build writes (not `managed`) stay.
    A `target` that is a symbolic link is replaced where it points."""
    if target.is_symlink():
        target = target.resolve()
    with tree_swap.exclusive(target.parent):
        tree_swap.recover(target)
        drift = compare(target, files)
        if drift:
            tree_swap.replace(
                target,
                {relative: _bytes(content) for relative, content in files.items()},
                keep=lambda relative: not managed(relative) and "__pycache__" not in relative,
            )
    return drift


PARTIAL = re.compile(r"^\..+\.ratebook-[0-9]+-[0-9a-f]+\.partial$")


class Partial:
    """The temporary name a file (or a folder of files) is written under before `commit`
    renames it into place; `abort` removes it. The name says whose it is
    (`.results.csv.ratebook-PID-TOKEN.partial`, matching `PARTIAL`) and the writer holds a lock
    on it until it is renamed or removed, so `remove_stale` can tell a dead writer's file from
    a live one's."""

    def __init__(self, path: Path, folder: bool = False):
        self.path = path
        self.folder = folder
        token = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.temporary = path.with_name(f".{path.name}.ratebook-{token}.partial")
        if folder:
            self.temporary.mkdir()
        else:
            os.close(os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        self._lock: int | None = _lock(self.temporary, wait=True)

    def commit(self) -> None:
        """Put the finished file in place (replacing what was there) and let go of it."""
        if self.folder:
            if self.path.is_dir() and not self.path.is_symlink():
                shutil.rmtree(self.path)
            elif self.path.exists():
                self.path.unlink()
        os.replace(self.temporary, self.path)
        self._release()

    def abort(self) -> None:
        """Remove the unfinished file."""
        try:
            if self.folder:
                shutil.rmtree(self.temporary, ignore_errors=True)
            else:
                self.temporary.unlink(missing_ok=True)
        finally:
            self._release()

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def _lock(path: Path, wait: bool) -> int | None:
    """A handle holding the exclusive lock of `path`; None when another process holds it (or
    the system has no such locks). The lock ends with the handle, or with the process."""
    try:
        import fcntl
    except ImportError:
        return None
    handle = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:
        os.close(handle)
        return None
    return handle


def remove_stale(folder: Path, *legacy: Path) -> None:
    """Remove from `folder` the temporaries of writers that died (killed, or the machine
    stopped): the names `Partial` makes whose lock no process holds. `legacy`: the exact
    temporary names earlier versions used for the file about to be written (`.NAME.partial`)."""
    try:
        names = [p for p in folder.iterdir() if PARTIAL.match(p.name)]
    except OSError:
        return
    for path in names:
        try:
            handle = _lock(path, wait=False)
        except OSError:  # gone meanwhile, or not ours to open
            continue
        if handle is None:
            continue  # a live writer's
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        finally:
            os.close(handle)
    for path in legacy:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def write_file(path: Path, content: str | bytes) -> None:
    """Put one file in place atomically: a temporary name first, then a rename."""
    data = _bytes(content)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(path.parent)
    partial = Partial(path)
    try:
        with open(partial.temporary, "wb") as stream:  # made 0666 less the umask, as usual
            stream.write(data)
        partial.commit()
    except BaseException:
        partial.abort()
        raise


def write(target: Path, files: dict[str, str | bytes]) -> Drift:
    """Make `target` hold exactly `files`, file by file (a publication); return what changed."""
    drift = compare(target, files)
    for relative in drift.changed + drift.missing:
        write_file(target / relative, files[relative])
    for relative in drift.extra:
        (target / relative).unlink()
    return drift
