"""Case results as JUnit XML, the report format other CI systems read.

One <testsuite> per source (a policy file's example cases, or a case file), one <testcase>
per case (classname: the policy id; name: the case's name), a <failure> carrying every
difference. No timings or host names, so the same results give the same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from generator.regress.case_run import CaseResult

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters XML 1.0 cannot hold


def junit_xml(results: list[CaseResult]) -> bytes:
    suites: dict[str, list[CaseResult]] = {}
    for result in results:
        suites.setdefault(result.case.source, []).append(result)
    failed = sum(not r.passed for r in results)
    root = ET.Element(
        "testsuites",
        name="ratebook test",
        tests=str(len(results)),
        failures=str(failed),
        errors="0",
    )
    for source, items in suites.items():
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_clean(source),
            tests=str(len(items)),
            failures=str(sum(not r.passed for r in items)),
            errors="0",
            skipped="0",
        )
        for result in items:
            case = result.case
            attributes = {
                "classname": _clean(case.policy),
                "name": _clean(f"{case.name or case.location} (on {case.on.isoformat()})"),
                "file": _clean(case.location.file),
            }
            if case.location.line:
                attributes["line"] = str(case.location.line)
            element = ET.SubElement(suite, "testcase", attributes)
            if not result.passed:
                failure = ET.SubElement(
                    element, "failure", message=_clean(str(result.differences[0])), type="mismatch"
                )
                failure.text = _clean(
                    f"{case.location}\n" + "\n".join(map(str, result.differences))
                )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
