"""Find the policy sources under `policies/` and read each one with the reader for its kind.

Discovery only reads: it turns files into plain documents with places, and says which files
are not policies ratebook can read (other spreadsheet kinds, lock files of an open workbook).
"""

from __future__ import annotations

from pathlib import Path

from generator.core.findings import Finding
from generator.sources.yaml_reader import read_yaml

SOURCE_SUFFIXES = (".yaml", ".yml", ".xlsx")
WORKBOOK_SUFFIXES = (".xlsx", ".xls", ".ods", ".xlsm", ".xlsb", ".xltx", ".numbers")


def source_files(root: Path) -> list[Path]:
    """Every path under `policies/` named like a policy. A folder or other non-file named so
    (`x.yaml/`) is listed too: its reader reports it, instead of it being silently skipped."""
    folder = root / "policies"
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in SOURCE_SUFFIXES and not p.name.startswith((".", "~$"))
    )


def read_source(path: Path, display: str):
    """(SourceDocument or None, findings): a workbook by the Excel reader, anything else as YAML."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        from generator.sources.excel.reader import (
            read_excel,  # openpyxl loads only when a workbook is read
        )

        return read_excel(path, display)
    return read_yaml(path, display)


def display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def workbook_folder_findings(root: Path) -> list[Finding]:
    """Spreadsheets of a kind that is not read, and workbooks open in a spreadsheet program."""
    folder = root / "policies"
    if not folder.is_dir() or not any(
        p.suffix.lower() in WORKBOOK_SUFFIXES or p.name.endswith("#") for p in folder.rglob("*")
    ):
        return []
    from generator.sources.excel.reader import lock_file_findings, refused_file_findings

    def shown(path: Path) -> str:
        return display_path(path, root)

    return refused_file_findings(folder, shown) + lock_file_findings(folder, shown)
