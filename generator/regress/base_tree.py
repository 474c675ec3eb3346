"""The policies of the version to compare with: a folder, or a git ref read without a checkout.

`ratebook diff --base main` must not touch the working tree an officer is editing, so the
ref's `policies/` (and `constraints/`, the higher rules they are checked against) is read with `git archive` into a scratch folder; nothing in the
repository changes. A folder is used as it is (a project root holding `policies/`).
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path, PurePosixPath

from generator.core.findings import RatebookError, summary


class BaseError(RatebookError):
    """The base cannot be read (a usage error: --base names nothing usable); one finding says
    why."""

    def __init__(self, key: str, /, **params: object):
        super().__init__([summary(key, **params)], exit_code=2)


def base_project(base: str, root: Path, scratch: Path) -> tuple[Path, str]:
    """(a project root holding the base's policies/, the base's name for reports)."""
    folder = Path(base)
    if folder.is_dir():
        if not (folder / "policies").is_dir():
            raise BaseError("base.no-policies", base=base)
        return folder, base
    commit = _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    if commit is None:
        raise BaseError("base.unknown", base=base, root=root)
    commit = commit.decode().strip()
    prefix = (_git(root, "rev-parse", "--show-prefix") or b"").decode().strip()
    archive = _git(root, "archive", "--format=tar", commit, "--", f"{prefix}policies")
    if archive is None:
        raise BaseError("base.no-policies-at", base=base, prefix=prefix, commit=commit[:10])
    _extract(archive, prefix, scratch)
    # the rules of higher jurisdictions the policies are checked against, when the ref has them
    rules = _git(root, "archive", "--format=tar", commit, "--", f"{prefix}constraints")
    if rules is not None:
        _extract(rules, prefix, scratch)
    return scratch, f"{base} ({commit[:10]})"


def _git(root: Path, *args: str) -> bytes | None:
    """The output of a read-only git command, or None when it fails (or git is missing)."""
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def _extract(archive: bytes, prefix: str, into: Path) -> None:
    """Regular files of the archive under `prefix`, written below `into`; nothing else."""
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith(prefix):
                continue
            relative = PurePosixPath(member.name[len(prefix) :])
            if relative.is_absolute() or ".." in relative.parts:
                continue
            target = into.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            content = tar.extractfile(member)
            if content is not None:  # a regular file always has content
                target.write_bytes(content.read())
