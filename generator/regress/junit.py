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

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from generator.core.findings import Finding
from generator.core.messages import Message
from generator.regress.case_run import CaseResult

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


def junit_xml(results: list[CaseResult]) -> bytes:
    suites: dict[str, list[CaseResult]] = {}
    for result in results:
        suites.setdefault(result.case.source, []).append(result)
    root = ET.Element("testsuites", {"name": "ratebook test", **_counts(results)})
    for source, items in suites.items():
        suite = ET.SubElement(
            root, "testsuite", {"name": _clean(source), **_counts(items), "skipped": "0"}
        )
        if source:
            suite.set("file", _clean(source))
            properties = ET.SubElement(suite, "properties")
            ET.SubElement(properties, "property", name="file", value=_clean(source))
        for result in items:
            case = result.case
            element = ET.SubElement(
                suite,
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
    return _bytes(root)


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


def _counts(results: list[CaseResult]) -> dict[str, str]:
    errors = sum(is_error(r) for r in results)
    failures = sum(not r.passed for r in results) - errors
    return {"tests": str(len(results)), "failures": str(failures), "errors": str(errors)}


def _bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
