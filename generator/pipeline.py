"""Load → validate → emit: the one entry point the CLI calls.

Reads every policy source under `policies/` in sorted order, checks each one completely
(schema, then semantics, then its example cases), and only when no error remains produces
the generated files. Nothing is written here; `output.write` does that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .build_model import build_policy
from .emit_python import emit_module
from .emit_schema import case_schema, dumps, result_schema
from .emit_tables import emit_tables
from .findings import ERROR, Finding, Findings
from .location import Location
from .model import Policy
from .rules import check_policy
from .schema_check import check_structure
from .yaml_source import read_yaml

SOURCE_SUFFIXES = (".yaml", ".yml", ".xlsx")
WORKBOOK_SUFFIXES = (".xlsx", ".xls", ".ods", ".xlsm", ".xlsb", ".xltx", ".numbers")


@dataclass
class Project:
    root: Path
    policies: list[Policy] = field(default_factory=list)
    findings: Findings = field(default_factory=Findings)

    @property
    def ok(self) -> bool:
        return not self.findings.errors

    def policy(self, policy_id: str) -> Policy | None:
        return next((p for p in self.policies if p.id == policy_id), None)


def source_files(root: Path) -> list[Path]:
    folder = root / "policies"
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in SOURCE_SUFFIXES and not p.name.startswith((".", "~$"))
    )


def read_source(path: Path, display: str):
    """(SourceDocument or None, findings): a workbook by the Excel reader, anything else as YAML."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        from .excel_source import read_excel  # openpyxl loads only when a workbook is read

        return read_excel(path, display)
    return read_yaml(path, display)


def load_source(path: Path, root: Path):
    """(policy or None, findings) for one source file, checked completely."""
    display = _display(path, root)
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


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _placement(policy: Policy, path: Path, root: Path, doc) -> list[Finding]:
    """A policy's id names its file, so officers and tools find one from the other."""
    try:
        relative = path.resolve().relative_to((root / "policies").resolve())
    except ValueError:
        return []
    expected = ".".join(relative.with_suffix("").parts)
    if policy.id != expected:
        return [Finding("id-path", f"id '{policy.id}' does not match the file's place; expected '{expected}'", doc.place(("id",)))]
    return []


def load_project(root: Path) -> Project:
    project = Project(root)
    files = source_files(root)
    if not files:
        project.findings.add("no-policies", "no policy files found (policies/**/*.yaml)", Location("policies"))
    project.findings.extend(_workbook_folder_findings(root))
    seen: dict[str, Policy] = {}
    for path in files:
        policy, findings = load_source(path, root)
        project.findings.extend(findings)
        if policy is None:
            continue
        if policy.id in seen:
            project.findings.add("duplicate-id", f"policy id '{policy.id}' is also defined in {seen[policy.id].file}", Location(policy.file))
            continue
        seen[policy.id] = policy
        project.policies.append(policy)
    return project


def _workbook_folder_findings(root: Path) -> list[Finding]:
    """Spreadsheets of a kind that is not read, and workbooks open in a spreadsheet program."""
    folder = root / "policies"
    if not folder.is_dir() or not any(p.suffix.lower() in WORKBOOK_SUFFIXES or p.name.endswith("#")
                                      for p in folder.rglob("*")):
        return []
    from .excel_source import lock_file_findings, refused_file_findings

    def shown(path: Path) -> str:
        return _display(path, root)

    return refused_file_findings(folder, shown) + lock_file_findings(folder, shown)


def module_path(policy: Policy) -> str:
    area, name = policy.id.split(".", 1)
    return f"{area}/{name}.py"


def emit_all(project: Project) -> dict[str, str | bytes]:
    """{path under generated/: text (bytes for workbooks)} for every policy, plus the index the CLI reads."""
    files: dict[str, str | bytes] = {}
    index = {}
    for policy in sorted(project.policies, key=lambda p: p.id):
        module = module_path(policy)
        files[module] = emit_module(policy)
        files[f"schemas/{policy.id}.case.schema.json"] = dumps(case_schema(policy))
        files[f"schemas/{policy.id}.result.schema.json"] = dumps(result_schema(policy))
        files.update(emit_tables(policy))  # tables/<id>.csv and .xlsx (bytes)
        index[policy.id] = {
            "module": module,
            "source": policy.file,
            "source_sha256": policy.sha256,
            "title": {"zh": policy.title.zh, "en": policy.title.en},
            "inputs": [f.name for f in policy.inputs],
            "outputs": [f.name for f in policy.outputs],
        }
    files["index.json"] = json.dumps(index, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return files
