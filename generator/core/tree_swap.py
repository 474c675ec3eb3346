"""Replace a whole folder (`generated/`) at once: a reader sees the old tree or the new one.

Replacing the files of `generated/` one by one leaves, when the build is killed half-way, a
tree whose index names modules of another build. So `ratebook build` writes the complete new
tree into a sibling folder on the same file system, syncs it to disk, and swaps the two:

- on Linux, `renameat2(RENAME_EXCHANGE)` swaps the two folders in one step, so `generated/`
  always exists and is always one whole tree;
- elsewhere (or on a file system that refuses the exchange) three renames: the new tree is
  renamed `.tmp-generated-ready-…` (complete, synced), the old one `.tmp-generated-old-…`, and
  the ready one `generated`. Between the last two, `generated/` does not exist for a moment;
  the rule below says which tree is the current one then, and a reader applies it too.

The recovery rule (`current`): `generated/` if it exists; else a `ready` tree (complete: it is
renamed so only after every file of it is on disk); else an `old` tree. The next build puts that
tree back at `generated/` and removes every other `.tmp-generated-*` folder, the leftovers of a
killed build. Builds of one project take turns (a lock on the project folder), so a build never
removes the folder another build is writing. Standard library only, and what a reader needs
(`current`) imports nothing more than `os`: the one-case CLI imports this to find `generated/`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

TEMPORARY = ".tmp-"  # every name this module makes beside the target starts so
_RENAME_EXCHANGE = 2  # linux/fs.h


def _sibling(target: Path, state: str) -> Path:
    import secrets

    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    return target.with_name(f"{TEMPORARY}{target.name}-{state}-{token}")


def _leftovers(target: Path, state: str = "") -> list[Path]:
    """The folders beside `target` that a build of it made (`state`: only those in that state),
    newest first."""
    prefix = f"{TEMPORARY}{target.name}-{state}"
    if not target.parent.is_dir():
        return []
    found = [p for p in target.parent.iterdir() if p.name.startswith(prefix) and p.is_dir()]
    return sorted(found, key=lambda p: p.stat().st_mtime_ns, reverse=True)


def current(target: Path) -> Path:
    """The folder that holds the current tree of `target` (see the recovery rule above); `target`
    itself when there is none at all. Reads only: a reader never moves anything."""
    if target.exists():
        return target
    for state in ("ready", "old"):
        found = _leftovers(target, state)
        if found:
            return found[0]
    return target


@contextlib.contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """Hold the lock of `folder` (the project) while building: builds of one project take
    turns. The lock goes with the process, so a killed build never leaves it held."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system: no lock, builds must not run at once
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


def recover(target: Path) -> None:
    """Apply the recovery rule and remove what a killed build left: the current tree goes back
    to `target`, every other `.tmp-<target>-*` folder is removed, and so are `.tmp-*` files
    inside the tree (the per-file temporary names of earlier versions). Hold `exclusive`."""
    import shutil

    found = current(target)
    if found != target:
        os.rename(found, target)
        _sync_folder(target.parent)
    for leftover in _leftovers(target):
        shutil.rmtree(leftover, ignore_errors=True)
    if target.is_dir():
        for path in sorted(target.rglob(f"{TEMPORARY}*"), reverse=True):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def replace(
    target: Path, files: dict[str, bytes], keep: Callable[[str], bool] = lambda _: False
) -> None:
    """Make `target` hold exactly `files` ({relative path: bytes}) plus the files of the old
    tree for which `keep(relative path)` is true, in one step as a reader sees it. Hold
    `exclusive` and call `recover` first."""
    import shutil

    staging = _sibling(target, "new")
    try:
        written = _write_tree(staging, files)
        if target.is_dir():
            for path in sorted(target.rglob("*")):
                relative = path.relative_to(target).as_posix()
                if path.is_file() and relative not in files and keep(relative):
                    copy = staging / relative
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, copy)
                    written.append(copy)
        _sync_files(staging, written)
        _sync_tree(staging)
        if not target.exists():
            os.rename(staging, target)
            _sync_folder(target.parent)
            return
        if _exchange(staging, target):  # staging now holds the old tree
            _sync_folder(target.parent)
        else:
            ready = _sibling(target, "ready")
            os.rename(staging, ready)
            _sync_folder(target.parent)
            old = _sibling(target, "old")
            os.rename(target, old)
            os.rename(ready, target)
            _sync_folder(target.parent)
            staging = old
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_tree(root: Path, files: dict[str, bytes]) -> list[Path]:
    """Write `files` under `root` (not yet synced); the paths written."""
    root.mkdir()
    written = []
    for relative, data in sorted(files.items()):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as stream:
            stream.write(data)
        written.append(path)
    return written


def _sync_files(root: Path, paths: list[Path]) -> None:
    """Every file of `paths` on disk. On Linux one `syncfs` of the file system that holds
    `root` does it: a thousand policies write six thousand files, and syncing each on its own
    cost a wait for the disk per file (seconds in all). Elsewhere, or when syncfs fails, each
    file is synced."""
    if _syncfs(root):
        return
    for path in paths:
        with open(path, "rb") as stream:
            os.fsync(stream.fileno())


_syncfs_unavailable = False


def _syncfs(folder: Path) -> bool:
    """Write everything of the file system that holds `folder` to disk (Linux syncfs);
    False where the system cannot or the call failed, and the caller syncs file by file."""
    global _syncfs_unavailable
    if _syncfs_unavailable or not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        _syncfs_unavailable = True
        return False
    handle = os.open(folder, os.O_RDONLY)
    try:
        return syncfs(handle) == 0  # since Linux 5.8 it reports a failed write-back too
    finally:
        os.close(handle)


def _sync_tree(root: Path) -> None:
    """Every folder of the tree on disk (its files are synced by `_sync_files`)."""
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        _sync_folder(folder)
    _sync_folder(root)


def _sync_folder(folder: Path) -> None:
    """A folder's entries on disk (renames included); not possible on every system."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


_exchange_unavailable = False


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False where the system
    or the file system cannot, and nothing was moved."""
    global _exchange_unavailable
    if _exchange_unavailable or not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        _exchange_unavailable = True
        return False
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        _exchange_unavailable = code == errno.ENOSYS
        return False
    raise OSError(code, os.strerror(code), str(b))
