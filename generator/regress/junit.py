"""Case results as JUnit XML, the report format other CI systems read.

The document follows the common JUnit schema (Jenkins xUnit's `junit-10.xsd`, which the
tests validate against): one <testsuite> per source (a policy file's example cases, or a
case file) with the file in its `file` attribute and its properties, one <testcase> per case
(classname: the policy id; name: the case's name). The schema allows no `file` or `line` on
a <testcase>, so a case's place (`cases.csv:7`) opens the text of its <failure> or <error>,
where GitLab's and GitHub's readers show it. A wrong result is a <failure>; a case the rules
refuse, or one that cannot be run as written, is an <error>. When no case can run (a case
file or the policies are invalid) the report still comes, with one <error> per problem, so
CI shows the cause instead of "no report". No timings or host names: the same results give
the same bytes.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from generator.core.findings import Finding
from generator.core.messages import Message
from generator.regress.case_run import CaseResult

_CASE_INDENT = b"\n    "  # between two <testcase> elements, as ET.indent puts it
_OPEN, _CLOSE = b"<cases>" + _CASE_INDENT, b"\n  </cases>"  # around a run of them
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters XML 1.0 cannot hold

# The differences that say a case could not give a result to compare: the rules refused it
# where outputs were expected, or the case names what is not there. The rest are failures.
ERROR_KEYS = frozenset(
    {
        "case-run.refused",
        "case-run.unknown-policy",
        "case-run.unknown-output",
        "case-run.expected-type",
    }
)


def is_error(result: CaseResult) -> bool:
    """True when the case is refused or cannot be run: a JUnit <error>, not a <failure>."""
    return any(d.key in ERROR_KEYS for d in result.differences)


class JunitSpool:
    """The JUnit report of a run of any length, built as its results come: each <testcase>
    is serialised at once into its suite's spool (in memory while small, then a temporary
    file), and only each suite's counts are held. `write` (or `bytes`) puts the suites
    together, each opening with its counts, in the bytes `junit_xml` has always given."""

    MEMORY = 1 << 20  # bytes a suite's spool holds in memory before it moves to disk
    WAITING = 1024  # <testcase> elements serialised together

    def __init__(self):
        # source → ([tests, failures, errors], spool)
        self._suites: dict[str, tuple[list[int], IO[bytes]]] = {}
        self._waiting: dict[str, ET.Element] = {}  # source → its cases not yet spooled

    def __call__(self, result: CaseResult) -> None:
        source = result.case.source
        suite = self._suites.get(source)
        if suite is None:
            spool = tempfile.SpooledTemporaryFile(max_size=self.MEMORY)  # noqa: SIM115 - closed by close()
            suite = self._suites[source] = ([0, 0, 0], spool)
        counts, spool = suite
        counts[0] += 1
        if not result.passed:
            counts[2 if is_error(result) else 1] += 1
        case = result.case
        element = ET.Element(
            "testcase",
            classname=_clean(case.policy),
            name=_clean(f"{case.name or case.location} (on {case.on.isoformat()})"),
        )
        if not result.passed:
            _problem(
                element,
                "error" if is_error(result) else "failure",
                str(case.location),
                result.differences,
            )
        waiting = self._waiting.setdefault(source, ET.Element("cases"))
        waiting.append(element)
        if len(waiting) >= self.WAITING:
            self._spool(source)

    def _spool(self, source: str) -> None:
        """Serialise the waiting <testcase> elements of `source` at once, indented as in the
        whole document (their parent stands for the <testsuite>)."""
        waiting = self._waiting.pop(source, None)
        if waiting is None:
            return
        spool = self._suites[source][1]
        ET.indent(waiting, level=1)
        text = ET.tostring(waiting, encoding="utf-8")
        if spool.tell():
            spool.write(_CASE_INDENT)
        spool.write(text[len(_OPEN) : -len(_CLOSE)])

    def _spool_all(self) -> None:
        for source in list(self._waiting):
            self._spool(source)

    def _skeleton(self) -> tuple[ET.Element, list[bytes]]:
        """The document with each suite's cases replaced by one marker element."""
        totals = [sum(counts[i] for counts, _ in self._suites.values()) for i in range(3)]
        root = ET.Element("testsuites", {"name": "ratebook test", **_counts(*totals)})
        markers = []
        for index, (source, (counts, _)) in enumerate(self._suites.items()):
            suite = ET.SubElement(
                root, "testsuite", {"name": _clean(source), **_counts(*counts), "skipped": "0"}
            )
            if source:
                suite.set("file", _clean(source))
                properties = ET.SubElement(suite, "properties")
                ET.SubElement(properties, "property", name="file", value=_clean(source))
            marker = f"ratebook-cases-{index}"
            ET.SubElement(suite, marker)
            markers.append(f"<{marker} />".encode())
        return root, markers

    def write_to(self, out: IO[bytes]) -> None:
        self._spool_all()
        root, markers = self._skeleton()
        document = _bytes(root)
        for marker, (_, spool) in zip(markers, self._suites.values(), strict=True):
            before, _, document = document.partition(marker)
            out.write(before)
            spool.seek(0)
            shutil.copyfileobj(spool, out)
        out.write(document)

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.write_to(out)
        return out.getvalue()

    def write(self, path: Path) -> None:
        """Write the report whole or not at all (a temporary name, then a rename)."""
        from generator.core.files import Partial, remove_stale

        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(path.parent)
        partial = Partial(path)
        try:
            with open(partial.temporary, "wb") as out:
                self.write_to(out)
            partial.commit()
        except BaseException:
            partial.abort()
            raise

    def part(self) -> JunitSpool:
        """A spool for the cases that come next, to `merge` into this one or close."""
        return JunitSpool()

    def merge(self, part: JunitSpool) -> None:
        """Take the cases of `part` (spooled after every case here), which is left empty."""
        self._spool_all()
        part._spool_all()
        for source, (counts, spool) in part._suites.items():
            mine = self._suites.get(source)
            if mine is None:
                self._suites[source] = (counts, spool)
                continue
            spool.seek(0)
            mine[1].write(_CASE_INDENT)
            shutil.copyfileobj(spool, mine[1])
            spool.close()
            for i, n in enumerate(counts):
                mine[0][i] += n
        part._suites = {}

    def close(self) -> None:
        for _, spool in self._suites.values():
            spool.close()


def junit_xml(results: list[CaseResult]) -> bytes:
    spool = JunitSpool()
    try:
        for result in results:
            spool(result)
        return spool.bytes()
    finally:
        spool.close()


def junit_problems(name: str, problems: Iterable[Finding]) -> bytes:
    """The report of a run that could not run its cases: one <testcase> named `name` (the
    run's summary, e.g. "2 problems in case files; no case was run") with an <error> per
    problem, its place first."""
    problems = list(problems)
    root = ET.Element("testsuites", name="ratebook test", tests="1", failures="0", errors="1")
    suite = ET.SubElement(
        root, "testsuite", name="ratebook test", tests="1", failures="0", errors="1", skipped="0"
    )
    files = sorted({p.location.file for p in problems if p.location.file})
    if files:
        properties = ET.SubElement(suite, "properties")
        for file in files:
            ET.SubElement(properties, "property", name="file", value=_clean(file))
    case = ET.SubElement(suite, "testcase", classname="ratebook", name=_clean(name))
    for problem in problems:
        error = ET.SubElement(case, "error", message=_clean(str(problem)), type=problem.code)
        error.text = _clean(str(problem))
    return _bytes(root)


def _problem(element: ET.Element, tag: str, place: str, differences: list[Message]) -> None:
    node = ET.SubElement(
        element,
        tag,
        message=_clean(str(differences[0])),
        type=differences[0].key.partition(".")[2] or differences[0].key,
    )
    node.text = _clean(f"{place}\n" + "\n".join(map(str, differences)))


def _counts(tests: int, failures: int, errors: int) -> dict[str, str]:
    return {"tests": str(tests), "failures": str(failures), "errors": str(errors)}


def _bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
