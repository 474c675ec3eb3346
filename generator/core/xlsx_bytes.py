"""The bytes of an openpyxl workbook, the same every time and on every machine for the same content.

openpyxl stamps the save time into docProps/core.xml (created, modified) and every zip entry
gets the current time, so two builds of one table would differ byte for byte and
`ratebook build --check` would call generated/ stale forever. This rewrites both to fixed
values. openpyxl also serialises XML differently when lxml happens to be installed (`/>`
for ` />`, namespace declarations on other elements), so each XML part is written in its
canonical form (W3C Canonical XML 2.0): equal documents, equal bytes, with or without lxml.
"""

from __future__ import annotations

import io
import re
import zipfile
from functools import lru_cache
from xml.etree.ElementTree import canonicalize

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold
FIXED_STAMP = "2000-01-01T00:00:00Z"
_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def workbook_bytes(workbook, canonical: bool = True) -> bytes:
    """Save `workbook` and return deterministic .xlsx bytes.

    `canonical=False` skips the XML canonical form (seconds on a sheet of 10^5 rows) where
    only the time stamps matter, as for a report that is written once and not compared.
    """
    raw = io.BytesIO()
    workbook.save(raw)
    return stable(raw.getvalue(), canonical)


def stable(data: bytes, canonical: bool = True) -> bytes:
    """The same .xlsx with its timestamps fixed (core properties and zip entries) and its XML canonical."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _STAMP.sub(rb"\g<1>" + FIXED_STAMP.encode() + rb"\g<2>", content)
            if canonical and info.filename.endswith((".xml", ".rels")):
                content = (_canonical if len(content) < _SHARED_PART else _canonical_once)(content)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, content)
    return out.getvalue()


_SHARED_PART = 64 * 1024  # parts below this size are remembered: a sheet seldom repeats


def _canonical_once(content: bytes) -> bytes:
    """One XML part in canonical form."""
    return canonicalize(content.decode("utf-8")).encode("utf-8")


@lru_cache(maxsize=64)
def _canonical(content: bytes) -> bytes:
    """A small XML part in canonical form. Most parts (the theme, the styles, the relations)
    are the same in every workbook of a build, so each is canonicalised once, not per table."""
    return _canonical_once(content)
