"""The generated tree the service answers from: one whole build at a time, swapped on rebuild.

`ratebook serve` reads `generated/` and never writes it. A request takes the current
`Snapshot` once and answers from it alone, so an answer never mixes two builds even while
`ratebook build` replaces the folder under it. A snapshot is loaded completely (the index,
every module, every case and result schema) before it is published by swapping one
reference; a request that already holds the old one finishes with it.

A rebuild is noticed by the folder's fingerprint: the status (inode, size, modification
time) of `generated/`, its `index.json` and every file the index names. It is looked at
again at most every `recheck_seconds`, so a busy service does not stat a dozen files per
request. The files are read, then the fingerprint is taken again: when it moved while they
were read (a build was writing), the load starts over. Each module must also say it was
built from the source hash its index entry names, which a mix of two builds cannot satisfy.

The policy models (for the published document and `explain`) are read from the source
bytes captured with the snapshot, and only when a module's source is unchanged since the
build: an answer never pairs a module with a newer source.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import types
from dataclasses import dataclass, field
from pathlib import Path

from generator.core.errors import RatebookError
from generator.core.findings import summary
from generator.evaluate.modules import GENERATED, module_from_text
from generator.model.policy import Policy

SCHEMAS = "schemas"
LOAD_ATTEMPTS = 5  # loads that may meet a build writing before the service gives up for now


@dataclass(frozen=True)
class PolicySource:
    """A policy's source as captured with the snapshot, and whether the module was built
    from exactly these bytes."""

    path: str  # relative to the project, as the index names it
    data: bytes | None  # None: the file is gone
    current: bool


@dataclass
class Snapshot:
    """One complete build of `generated/`, read-only once published."""

    root: Path
    key: str  # the sha256 of the index and every module and schema, in order
    index: dict  # policy id -> index entry (module, source, hashes, labels, title)
    modules: dict[str, types.ModuleType]
    case_schemas: dict[str, dict]
    result_schemas: dict[str, dict]
    sources: dict[str, PolicySource]
    _policies: dict[str, Policy] = field(default_factory=dict, repr=False)
    _input_names: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def policy_ids(self) -> list[str]:
        return sorted(self.index)

    def entry(self, policy_id: str) -> dict:
        """The index entry of `policy_id`; RatebookError listing the policies when unknown."""
        entry = self.index.get(policy_id)
        if entry is not None:
            return entry
        from generator.evaluate.modules import policy_entry

        return policy_entry(self.index, policy_id)

    def input_names(self, policy_id: str) -> dict[str, str]:
        """What a case may name each input by: its id, and its Chinese and English labels."""
        names = self._input_names.get(policy_id)
        if names is None:
            module = self.module(policy_id)
            names = {
                label: name
                for name, labels in getattr(module, "INPUT_LABELS", {}).items()
                for label in labels
                if label
            }
            names.update({name: name for name in module.INPUTS})
            self._input_names[policy_id] = names
        return names

    def module(self, policy_id: str) -> types.ModuleType:
        self.entry(policy_id)
        return self.modules[policy_id]

    def policy(self, policy_id: str) -> Policy:
        """The policy model read from the source the module was built from; RatebookError
        when that source changed since the build (run `ratebook build`) or does not load."""
        entry = self.entry(policy_id)
        with self._lock:
            cached = self._policies.get(policy_id)
        if cached is not None:
            return cached
        source = self.sources[policy_id]
        if not source.current or source.data is None:
            raise RatebookError([summary("serve-source-changed", source=entry["source"])])
        policy = _policy_from_bytes(self.root, source.path, source.data)
        with self._lock:
            self._policies.setdefault(policy_id, policy)
        return policy


def _policy_from_bytes(root: Path, relative: str, data: bytes) -> Policy:
    """The model of a policy source given as bytes, read and checked as `ratebook build`
    reads it (a workbook or YAML file is placed in a temporary project of its own)."""
    import tempfile

    from generator.checks.project import load_source
    from generator.core.findings import ERROR

    with tempfile.TemporaryDirectory(prefix="ratebook-serve-") as scratch:
        path = Path(scratch) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        policy, findings = load_source(path, Path(scratch))
    errors = [f for f in findings if f.severity == ERROR]
    if policy is None or errors:
        raise RatebookError([*errors, summary("source-invalid", source=relative)])
    return policy


def _status(path: Path) -> tuple:
    try:
        s = os.stat(path)
    except OSError:
        return (str(path), None)
    return (str(path), s.st_ino, s.st_size, s.st_mtime_ns)


def _fingerprint(generated: Path, index: dict | None) -> tuple:
    """The status of the folder, its index and every file the index names."""
    parts = [_status(generated), _status(generated / "index.json")]
    for policy_id, entry in sorted((index or {}).items()):
        parts.append(_status(generated / entry["module"]))
        for kind in ("case", "result"):
            parts.append(_status(generated / SCHEMAS / f"{policy_id}.{kind}.schema.json"))
    return tuple(parts)


def load_snapshot(root: Path) -> Snapshot:
    """A complete, consistent snapshot of `root/generated`; RatebookError when there is no
    build, or no consistent one could be read (a build kept writing)."""
    generated = root / GENERATED
    for _ in range(LOAD_ATTEMPTS):
        before = _fingerprint(generated, None)
        try:
            index_bytes = (generated / "index.json").read_bytes()
        except FileNotFoundError:
            raise RatebookError([summary("index-missing", path=generated / "index.json")]) from None
        except OSError as exc:
            raise RatebookError(
                [summary("index-unreadable", path=generated / "index.json", reason=str(exc))]
            ) from None
        try:
            index = json.loads(index_bytes)
            loaded = _read_files(root, generated, index)
        except (OSError, ValueError, KeyError, SyntaxError):
            time.sleep(0.05)  # a build is replacing files: read them again
            continue
        after = _fingerprint(generated, None)
        if before != after or not _consistent(index, loaded[0]):
            time.sleep(0.05)
            continue
        modules, case_schemas, result_schemas, sources, digest = loaded
        digest.update(index_bytes)
        return Snapshot(
            root=root,
            key=digest.hexdigest(),
            index=index,
            modules=modules,
            case_schemas=case_schemas,
            result_schemas=result_schemas,
            sources=sources,
        )
    raise RatebookError([summary("serve-build-unsettled", path=generated)])


def _read_files(root: Path, generated: Path, index: dict):
    digest = hashlib.sha256()
    modules: dict[str, types.ModuleType] = {}
    case_schemas: dict[str, dict] = {}
    result_schemas: dict[str, dict] = {}
    sources: dict[str, PolicySource] = {}
    for policy_id, entry in sorted(index.items()):
        text = (generated / entry["module"]).read_bytes()
        digest.update(text)
        modules[policy_id] = module_from_text(
            text.decode("utf-8"), "ratebook_served_" + policy_id.replace(".", "_")
        )
        for kind, into in (("case", case_schemas), ("result", result_schemas)):
            raw = (generated / SCHEMAS / f"{policy_id}.{kind}.schema.json").read_bytes()
            digest.update(raw)
            into[policy_id] = json.loads(raw)
        try:
            data: bytes | None = (root / entry["source"]).read_bytes()
        except OSError:
            data = None
        current = data is not None and hashlib.sha256(data).hexdigest() == entry["source_sha256"]
        sources[policy_id] = PolicySource(entry["source"], data, current)
    return modules, case_schemas, result_schemas, sources, digest


def _consistent(index: dict, modules: dict[str, types.ModuleType]) -> bool:
    """Every module was built from the source its index entry names (one build, not two)."""
    return all(
        getattr(modules[policy_id], "SOURCE_SHA256", None) == entry["source_sha256"]
        for policy_id, entry in index.items()
    )


class ServedTree:
    """The project's current snapshot; `current()` is what each request calls once."""

    def __init__(self, project_root: Path, recheck_seconds: float = 0.5):
        self.root = Path(project_root)
        self.recheck_seconds = recheck_seconds
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._seen: tuple | None = None
        self._checked = 0.0

    def current(self) -> Snapshot:
        """The latest complete build; a newer one is loaded (whole) when the folder changed."""
        snapshot = self._snapshot
        now = time.monotonic()
        if snapshot is not None and now - self._checked < self.recheck_seconds:
            return snapshot
        with self._lock:
            generated = self.root / GENERATED
            seen = _fingerprint(generated, self._snapshot.index if self._snapshot else None)
            self._checked = time.monotonic()
            if self._snapshot is not None and seen == self._seen:
                return self._snapshot
            try:
                fresh = load_snapshot(self.root)
            except RatebookError:
                if self._snapshot is None:
                    raise
                return self._snapshot  # the last whole build until a whole one is there again
            if self._snapshot is None or fresh.key != self._snapshot.key:
                self._snapshot = fresh
            self._seen = _fingerprint(generated, self._snapshot.index)
            return self._snapshot
