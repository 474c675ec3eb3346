"""Which encoding a text file people wrote is in, and where it stops being that encoding.

Case files come from Excel: "CSV UTF-8" (with a byte-order mark), plain "CSV" on a Chinese
Windows (GBK, whose superset GB18030 reads it), or text tools (UTF-8 without a mark). In order:
    1. an encoding the user named (`--encoding gbk`) is used as named;
    2. a UTF-8 byte-order mark: UTF-8, the mark skipped (a UTF-16 one: UTF-16);
    3. a start that is valid UTF-8: UTF-8 (ASCII is UTF-8);
    4. otherwise charset-normalizer is asked; a file it finds readable as GBK/GB18030 is read
       as GB18030 (what Chinese Excel writes), unless it ranks Big5 (traditional Chinese, from
       a Taiwan or Hong Kong Windows) higher: Big5 bytes are also GB18030, read as other
       characters, so such a file is refused with a request to name its encoding. Any other guess is not taken on trust (a
       single-byte code page reads any bytes, as garbage): the file is refused, with the line
       of the first byte that is neither UTF-8 nor GB18030 and how to fix it.
A byte the chosen encoding cannot read is refused with its line (`cases.csv:7`), never
replaced: a replaced character would change an enum value or a name without a word.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from generator.core.errors import RatebookError
from generator.core.findings import Finding
from generator.core.location import Location

BOM = codecs.BOM_UTF8
SAMPLE = 1 << 20  # bytes read to decide UTF-8, and (cut at a line) shown to the detector
GB = "gb18030"  # reads GB2312 and GBK too: one of them is what Chinese Excel writes
_GB_FAMILY = {"gb18030", "gbk", "gb2312", "cp936", "hz"}
# Greek, Cyrillic, box drawing, kana and bopomofo: where Big5's common characters land in GB2312
_NOT_IN_CHINESE_TEXT = re.compile("[\u0370-\u04ff\u2500-\u257f\u3040-\u30ff\u3100-\u312f]")
_BIG5_FAMILY = {"big5", "cp950"}  # not Hong Kong's big5hkscs alone: it also reads short GBK texts


@dataclass(frozen=True)
class Encoding:
    name: str  # a Python codec name; "utf-8-sig" skips a byte-order mark
    detected: bool  # False when the user named it

    @property
    def is_utf8(self) -> bool:
        return codecs.lookup(self.name).name in ("utf-8", "utf-8-sig")


def known(name: str) -> str | None:
    """The codec's canonical name, or None when Python has no such text encoding."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def decide(path: Path, named: str | None, shown: str) -> Encoding:
    """The encoding to read `path` in, decided from its first megabyte; RatebookError (a
    finding at the line of the first byte that is not text) when the file is neither UTF-8
    nor GBK/GB18030 and none was named."""
    if named:
        return _named(named)
    with open(path, "rb") as stream:
        sample = stream.read(SAMPLE)
    return _decide(sample, len(sample) < SAMPLE, path, shown)


def _named(named: str) -> Encoding:
    name = known(named) or named
    # a named UTF-8 still skips Excel's byte-order mark
    return Encoding("utf-8-sig" if name in ("utf-8", "utf-8-sig") else name, False)


def _decide(sample: bytes, whole: bool, path: Path, shown: str) -> Encoding:
    if sample.startswith(BOM):
        return Encoding("utf-8-sig", True)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Encoding("utf-16", True)  # Excel's "Unicode text"; the codec reads the mark
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=whole)
        return Encoding("utf-8", True)
    except UnicodeDecodeError:
        pass
    import charset_normalizer

    cut = sample.rfind(b"\n", 0, 64 << 10)
    results = charset_normalizer.from_bytes(sample[: cut + 1] if cut > 0 else sample[: 64 << 10])
    if _big5_first(results) or (_gb_among(results) and _looks_big5(sample, whole)):
        # Big5 bytes are also valid GB18030, which would read them as other characters
        first = next(i for i, byte in enumerate(sample) if byte >= 0x80)
        raise RatebookError(
            [
                Finding(
                    "text-encoding.big5",
                    Location(shown, sample.count(b"\n", 0, first) + 1),
                    {"offset": first},
                )
            ]
        )
    if _gb_among(results):
        return Encoding(GB, True)
    bad = _first_bad(sample, GB, whole)
    if bad is not None and bad > (_first_bad(sample, "utf-8", whole) or 0):
        # GB18030 reads on past the first byte that is not UTF-8: is the text up to the
        # bad byte GBK? then this is a GBK file with bytes that are no text, at their line
        cut = sample.rfind(b"\n", 0, bad)
        if cut > 0 and _gb_among(charset_normalizer.from_bytes(sample[: cut + 1][-(64 << 10) :])):
            raise undecodable(path, Encoding(GB, True), shown)
    best = results.best()
    line, offset, found = (
        first_undecodable(path, GB) or first_undecodable(path, "utf-8") or (1, 0, b"")
    )
    raise RatebookError(
        [
            Finding(
                "text-encoding.unknown",
                Location(shown, line),
                {
                    "bytes": found.hex(" "),
                    "offset": offset,
                    "guess": best.encoding if best else "?",
                },
            )
        ]
    )


def _big5_first(results) -> bool:
    """Whether charset-normalizer ranks a Big5 reading (traditional Chinese) above every
    GBK/GB18030 one: such a file is refused unless its encoding is named, never read as GBK."""
    for result in results:
        charsets = set(result.could_be_from_charset)
        if charsets & _BIG5_FAMILY:
            return True
        if charsets & _GB_FAMILY:
            return False
    return False


def _looks_big5(sample: bytes, whole: bool) -> bool:
    """Whether bytes that read as GB18030 are rather Big5: they read as Big5 too, and as
    GB18030 they give what Chinese text does not hold (kana, Greek, Cyrillic, bopomofo, box
    drawing: the GB2312 rows Big5's common characters fall on) or characters outside GB2312.
    Simplified Chinese written by Excel as GBK gives neither."""
    if _first_bad(sample, "cp950", whole) is not None:
        return False
    text = codecs.getincrementaldecoder(GB)().decode(sample, final=False)
    if _NOT_IN_CHINESE_TEXT.search(text):
        return True
    try:
        text.encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


def _gb_among(results) -> bool:
    """Whether charset-normalizer's readings include GBK/GB18030."""
    return any(_GB_FAMILY & set(r.could_be_from_charset) for r in results)


def _first_bad(data: bytes, encoding: str, whole: bool) -> int | None:
    """The offset of the first bytes of `data` that `encoding` cannot read, or None."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=whole)
    except UnicodeDecodeError as exc:
        return exc.start
    return None


def first_undecodable(path: Path, encoding: str) -> tuple[int, int, bytes] | None:
    """(line, byte offset, the bytes) of the first bytes of `path` that `encoding` cannot
    read, or None. Streams the file: called only once a read has failed."""
    decoder = codecs.getincrementaldecoder(encoding)()
    consumed = 0  # bytes of the file given to the decoder before this chunk
    newlines = 0
    with open(path, "rb") as stream:
        while True:
            chunk = stream.read(1 << 20)
            pending = decoder.getstate()[0]
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                offset = consumed - len(pending) + exc.start
                data = pending + chunk
                start = exc.start
                # \n is never inside a UTF-8 or GB18030 character: raw newlines count lines
                line = newlines - pending.count(b"\n") + data[:start].count(b"\n") + 1
                return line, offset, data[start : max(exc.end, start + 1)][:4]
            if not chunk:
                return None
            consumed += len(chunk)
            newlines += chunk.count(b"\n")


def undecodable(path: Path, encoding: Encoding, shown: str) -> RatebookError:
    """The error for a file that turned out not to be in `encoding` (located at its line)."""
    codec = "utf-8" if encoding.is_utf8 else encoding.name
    found = first_undecodable(path, codec)
    line, offset, bad = found or (0, 0, b"")
    return RatebookError(
        [
            Finding(
                "text-encoding.bad-bytes",
                Location(shown, line),
                {"bytes": bad.hex(" "), "offset": offset, "encoding": codec},
            )
        ]
    )


def read_text(path: Path, named: str | None, shown: str) -> str:
    """The whole file as text, in the encoding the whole file shows (for files read at once)."""
    data = path.read_bytes()
    encoding = _named(named) if named else _decide(data, True, path, shown)
    try:
        return data.decode(encoding.name)
    except UnicodeDecodeError:
        raise undecodable(path, encoding, shown) from None
