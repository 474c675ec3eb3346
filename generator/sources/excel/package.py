"""What an .xlsx package holds that openpyxl's read-only mode does not show.

Read-only mode streams cell values but drops merged ranges, and with `data_only=True` a
formula cell whose result was never saved reads as empty, the same as a blank cell. Both
matter for reading a policy exactly: a merged cell means "this value for every cell it
covers", and a formula without its result must be reported, not read as nothing. So the
sheet XML is scanned once here, and the file's real kind is recognised before openpyxl
sees it (an .xls or .ods renamed .xlsx, a file that is no zip at all).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.etree import ElementTree

from generator.core.messages import Message

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OLE_SIGNATURE = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls) and other old Office files
)
_CELL = re.compile(r"^([A-Z]+)([0-9]+)$")


@dataclass
class SheetExtras:
    merges: list = field(default_factory=list)  # (min_col, min_row, max_col, max_row), 1-based
    formulas: dict = field(default_factory=dict)  # "C4" -> (formula text, has a saved result)


def file_kind_problem(raw: bytes) -> Message | None:
    """Why these bytes are not an .xlsx workbook, or None when they look like one."""
    if raw.startswith(_OLE_SIGNATURE):
        return Message("workbook-format.ole")
    if not raw:
        return Message("workbook-format.empty")
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        return Message("workbook-format.not-zip")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as package:
            names = set(package.namelist())
            mimetype = (
                package.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
            )
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, KeyError) as exc:
        return Message("workbook-format.damaged-zip", reason=str(exc))
    if "opendocument" in mimetype:
        return Message("workbook-format.ods-renamed")
    if "xl/workbook.xml" not in names:
        return Message("workbook-format.not-workbook")
    if "xl/vbaProject.bin" in names:
        return Message("workbook-format.macros")
    return None


def sheet_extras(raw: bytes) -> dict[str, SheetExtras]:
    """{sheet title: its merged ranges and formula cells}, from the package's XML."""
    result: dict[str, SheetExtras] = {}
    with zipfile.ZipFile(io.BytesIO(raw)) as package:
        for title, path in _sheet_paths(package).items():
            try:
                data = package.read(path)
            except KeyError:
                continue
            result[title] = _scan(data)
    return result


def _sheet_paths(package: zipfile.ZipFile) -> dict[str, str]:
    workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    try:
        rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return {}
    targets = {}
    for rel in rels.iter(f"{_PKG_REL}Relationship"):
        target = rel.get("Target", "")
        path = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join("xl", target))
        )
        targets[rel.get("Id")] = path
    paths = {}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        path = targets.get(sheet.get(f"{_REL}id"))
        if path:
            paths[sheet.get("name", "")] = path
    return paths


def _scan(data: bytes) -> SheetExtras:
    extras = SheetExtras()
    has_formulas = b"<f" in data or b":f" in data
    for _, element in ElementTree.iterparse(io.BytesIO(data)):
        tag = element.tag
        if tag == f"{_MAIN}mergeCell":
            bounds = _range(element.get("ref", ""))
            if bounds:
                extras.merges.append(bounds)
        elif tag == f"{_MAIN}c" and has_formulas:
            formula = element.find(f"{_MAIN}f")
            if formula is not None:
                value = element.find(f"{_MAIN}v")
                inline = element.find(f"{_MAIN}is")
                saved = (value is not None and value.text is not None) or inline is not None
                extras.formulas[element.get("r", "")] = ("=" + (formula.text or ""), saved)
            element.clear()
        elif tag == f"{_MAIN}row":
            element.clear()
    return extras


def column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _range(ref: str):
    parts = ref.split(":")
    cells = [match for p in parts if (match := _CELL.match(p))]
    if len(cells) < len(parts):
        return None
    first, last = cells[0], cells[-1]
    return (
        column_number(first.group(1)),
        int(first.group(2)),
        column_number(last.group(1)),
        int(last.group(2)),
    )
