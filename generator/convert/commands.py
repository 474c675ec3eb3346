"""Move a policy between YAML and a workbook: what `ratebook export-xlsx` and `import-xlsx` do.

Both directions go through the model: the source is read and checked completely (a policy
with errors is not converted, so a conversion never carries a mistake along), then the
other format is emitted from the model. Reading the result gives the same model again.
"""

from __future__ import annotations

from pathlib import Path

from generator.core.findings import ERROR, Finding, RatebookError, closing, finding
from generator.core.location import Location
from generator.model.policy import Policy


def locate(root: Path, reference: str) -> Path:
    """The source file of a policy given by id (`platform.staffing`) or by path."""
    as_path = Path(reference)
    if as_path.suffix and (as_path.is_file() or (root / as_path).is_file()):
        return as_path if as_path.is_file() else root / as_path
    from generator.sources.discovery import source_files

    area, _, name = reference.partition(".")
    matches = [
        p
        for p in source_files(root)
        if p.parent.name == area and p.stem == name and p.parent.parent == root / "policies"
    ]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        shown = ", ".join(p.relative_to(root).as_posix() for p in matches)
        raise RatebookError(
            [finding("policy-ambiguous", Location(reference), policy=reference, sources=shown)]
        )
    raise RatebookError([finding("policy-unknown", Location(reference), policy=reference)])


def load_valid(root: Path, path: Path) -> tuple[Policy, list[Finding]]:
    """The policy in `path` and its warnings; RatebookError with every error if it has any."""
    from generator.checks.project import load_source

    policy, findings = load_source(path, root)
    errors = [f for f in findings if f.severity == ERROR]
    if policy is None or errors:
        raise RatebookError(
            sorted(errors, key=Finding.sort_key)
            or [finding("unreadable.policy", Location(str(path)))]
        )
    return policy, [f for f in findings if f.severity != ERROR]


def export_workbook(root: Path, reference: str) -> tuple[Policy, bytes, list[Finding]]:
    """(the policy, the workbook's bytes, its warnings); RatebookError ending in "not exported"."""
    from generator.convert.to_workbook import emit_workbook

    with closing("not-exported", policy=reference):
        policy, warnings = load_valid(root, locate(root, reference))
        return policy, emit_workbook(policy), warnings


def import_workbook(root: Path, path: Path) -> tuple[Policy, str, list[Finding]]:
    """(the policy, its YAML text, its warnings); RatebookError ending in "not imported"."""
    from generator.convert.to_yaml import emit_yaml
    from generator.sources.discovery import WORKBOOK_SUFFIXES

    with closing("not-imported", workbook=path):
        if path.suffix.lower() not in WORKBOOK_SUFFIXES:
            raise RatebookError([finding("workbook-format.import", Location(str(path)))])
        policy, warnings = load_valid(root, path)
        return policy, emit_yaml(policy), warnings


def other_sources(root: Path, policy: Policy, written: Path) -> list[str]:
    """Other source files in policies/ for the same id as a file just written there."""
    from generator.sources.discovery import source_files

    try:
        written.resolve().relative_to((root / "policies").resolve())
    except ValueError:
        return []
    area, name = policy.id.split(".", 1)
    return [
        p.relative_to(root).as_posix()
        for p in source_files(root)
        if p.parent.name == area and p.stem == name and p.resolve() != written.resolve()
    ]
