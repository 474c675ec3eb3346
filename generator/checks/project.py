"""Load → validate: every policy of a project, read and checked completely.

Reads every policy source under `policies/` in sorted order, checks each one completely
(schema, then semantics, then its example cases), and only when no error remains produces
the generated files (`generator.compile.build`). Nothing is written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from generator.checks.layers import check_layers
from generator.checks.properties import check_properties
from generator.checks.rules import check_policy
from generator.checks.structure import check_structure, constraints_validator
from generator.core.findings import ERROR, Finding, Findings, finding
from generator.core.location import Location
from generator.model.build import build_policy
from generator.model.constraints import ConstraintDocument, build_constraints
from generator.model.policy import Policy
from generator.sources.discovery import (
    constraint_files,
    display_path,
    read_source,
    source_files,
    workbook_folder_findings,
)


@dataclass
class Project:
    root: Path
    policies: list[Policy] = field(default_factory=list)
    findings: Findings = field(default_factory=Findings)
    documents: list[ConstraintDocument] = field(default_factory=list)  # of higher jurisdictions

    @property
    def ok(self) -> bool:
        return not self.findings.errors

    def policy(self, policy_id: str) -> Policy | None:
        return next((p for p in self.policies if p.id == policy_id), None)


def load_source(path: Path, root: Path):
    """(policy or None, findings) for one source file, checked completely."""
    display = display_path(path, root)
    doc, findings = read_source(path, display)
    if doc is None or doc.data is None:
        return None, findings
    # a cell the reader already refused is not reported again by the schema
    refused = {f.location for f in findings if f.severity == ERROR and f.location.cell}
    structure = [f for f in check_structure(doc) if f.location not in refused]
    findings += structure
    if structure or any(f.severity == ERROR for f in findings):
        return None, findings
    built = build_policy(doc)
    findings += built.findings
    if any(f.severity == ERROR for f in built.findings):
        return None, findings
    policy = built.policy
    findings += check_policy(policy)
    findings += _placement(policy, path, root, doc)
    return policy, findings


def _placement(policy, path: Path, root: Path, doc, folder: str = "policies") -> list[Finding]:
    """A policy's id names its file, so officers and tools find one from the other."""
    try:
        relative = path.resolve().relative_to((root / folder).resolve())
    except ValueError:
        return []
    expected = ".".join(relative.with_suffix("").parts)
    if policy.id != expected:
        return [finding("id-path", doc.place(("id",)), id=policy.id, expected=expected)]
    return []


def load_constraints(path: Path, root: Path):
    """(document or None, findings) for one file under `constraints/`, checked completely."""
    doc, findings = read_source(path, display_path(path, root))
    if doc is None or doc.data is None:
        return None, findings
    structure = check_structure(doc, constraints_validator())
    findings += structure
    if structure or any(f.severity == ERROR for f in findings):
        return None, findings
    document, problems = build_constraints(doc)
    findings += problems
    findings += _placement(document, path, root, doc, "constraints")
    if any(f.severity == ERROR for f in problems):
        return None, findings
    return document, findings


def _rule_ids(path: Path, root: Path) -> set[str]:
    """The ids of the rules a document with errors names, as far as it can be read."""
    doc, _ = read_source(path, display_path(path, root))
    data = doc.data if doc is not None else None
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return set()
    rules = data.get("constraints")
    return {f"{data['id']}.{name}" for name in rules} if isinstance(rules, dict) else set()


def load_project(root: Path) -> Project:
    project = Project(root)
    files = source_files(root)
    if not files:
        project.findings.add("no-policies", Location("policies"))
    project.findings.extend(workbook_folder_findings(root))
    seen: dict[str, Policy] = {}
    for path in files:
        policy, findings = load_source(path, root)
        project.findings.extend(findings)
        if policy is None:
            continue
        if policy.id in seen:
            project.findings.add(
                "duplicate-id", Location(policy.file), id=policy.id, other=seen[policy.id].file
            )
            continue
        seen[policy.id] = policy
        project.policies.append(policy)
    for policy in project.policies:
        project.findings.extend(check_properties(policy))
    documents: dict[str, ConstraintDocument] = {}
    unchecked: set[str] = set()
    for path in constraint_files(root):
        document, findings = load_constraints(path, root)
        project.findings.extend(findings)
        if document is None:
            unchecked |= _rule_ids(path, root)
            continue
        if document.id in documents:
            project.findings.add(
                "duplicate-id",
                Location(document.file),
                id=document.id,
                other=documents[document.id].file,
            )
            continue
        documents[document.id] = document
        project.documents.append(document)
    has_folder = (root / "constraints").is_dir()
    project.findings.extend(
        check_layers(project.documents, project.policies, frozenset(unchecked), has_folder)
    )
    return project
