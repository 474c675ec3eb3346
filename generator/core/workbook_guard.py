"""Whether an .xlsx is small enough to read, before openpyxl reads it, and its sheets read whole.

An .xlsx is a zip of XML parts. A zip bomb (a few kilobytes that inflate to gigabytes) or a
workbook of tens of megabytes would keep openpyxl busy for minutes or exhaust the memory
(openpyxl holds shared strings and styles whole, even in read-only mode). So the package is
measured first, from the sizes its zip directory declares and, where the reader inflates
the parts anyway, from what they really inflate to, read in bounded chunks: a directory that
lies is caught too (Python's zipfile stops every part at its declared size and then fails
its checksum). The limits are in `generator.core.limits`.

openpyxl's read-only mode also trusts the sheet's declared `<dimension>`: a row written
below it is silently not read. `sheet_rows` resets the dimension first, so every row in the
file is read, whatever the declaration says.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generator.core.messages import Message

_CHUNK = 1 << 20
# what zipfile raises for a package it cannot open or a part it cannot inflate
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
)


def package_problem(
    source: Path | bytes,
    *,
    max_file: int | None,
    max_inflated: int,
    max_part: int | None = None,
    inflate: bool = False,
    inflated_limit: str = "POLICY_WORKBOOK_MAX_INFLATED_BYTES",
) -> Message | None:
    """Why the workbook at `source` is too big to read, or None. `max_part` bounds each part
    that is not a sheet (openpyxl keeps those whole in memory); `inflate` also inflates every
    part in bounded chunks, counting what it really gives (for files small enough that this
    costs little, as policy workbooks are). A file that is no zip is left to the reader,
    which says what it is."""
    size = len(source) if isinstance(source, bytes) else source.stat().st_size
    if max_file is not None and size > max_file:
        return Message("workbook-limit.file", size=size, limit=max_file)
    try:
        with zipfile.ZipFile(
            io.BytesIO(source) if isinstance(source, bytes) else source
        ) as package:
            return _parts_problem(package, max_inflated, max_part, inflate, inflated_limit)
    except _DAMAGED:
        return None  # not a readable zip: the reader refuses it with its own reason


def _parts_problem(
    package: zipfile.ZipFile,
    max_inflated: int,
    max_part: int | None,
    inflate: bool,
    inflated_limit: str,
) -> Message | None:
    members = package.infolist()
    declared = sum(member.file_size for member in members)
    if declared > max_inflated:
        return Message(
            "workbook-limit.inflated", size=declared, limit=max_inflated, name=inflated_limit
        )
    if max_part is not None:
        for member in members:
            if not member.filename.startswith("xl/worksheets/") and member.file_size > max_part:
                return Message(
                    "workbook-limit.part",
                    part=member.filename,
                    size=member.file_size,
                    limit=max_part,
                )
    if inflate:
        total = 0
        for member in members:
            try:
                inflated = _inflated(package, member, max_inflated - total)
            except (
                zipfile.BadZipFile,
                OSError,
                EOFError,
                RuntimeError,
                NotImplementedError,
            ) as exc:
                # zipfile stops at the declared size: a part that is really larger fails here
                return Message("workbook-format.damaged-zip", reason=str(exc))
            total += inflated
            if total > max_inflated:
                return Message(
                    "workbook-limit.inflated", size=total, limit=max_inflated, name=inflated_limit
                )
    return None


def _inflated(package: zipfile.ZipFile, member: zipfile.ZipInfo, room: int) -> int:
    """The bytes `member` inflates to, read in chunks, stopping once past `room`."""
    size = 0
    with package.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > room:
                break
    return size


def sheet_rows(sheet: Any, values_only: bool = False) -> Iterator[tuple]:
    """Every row of a read-only sheet, including rows and columns outside its declared
    `<dimension>` (openpyxl's read-only mode stops at the declared range otherwise)."""
    reset = getattr(sheet, "reset_dimensions", None)
    if reset is not None:
        reset()
    return sheet.iter_rows(values_only=values_only)
