"""`ratebook diff`: load both versions of the policies, compare the rules, then the cases.

Both trees go through generator.checks.project, whatever their source format, and must be valid:
comparing with rules that do not validate would report noise, so their findings are
raised instead, marked with the version they belong to. Example cases that no longer hold
are the exception: they are what a rule change is expected to break before the officer
updates them, so they are shown with the report rather than stopping it.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from generator.checks.project import load_project
from generator.core.findings import RatebookError, summary
from generator.regress.base_tree import BaseError, base_project
from generator.regress.case_files import read_cases
from generator.regress.case_run import blocking_errors
from generator.regress.impact import case_impact, file_cases, table_cases
from generator.regress.report import Report
from generator.regress.rule_changes import rule_changes

TABLES = "the generated test tables of both versions"


class InvalidTree(RatebookError):
    """A version whose policies do not validate: its errors, then a line naming the version."""

    def __init__(self, errors: list, key: str, /, **params: object):
        super().__init__([*errors, summary(key, count=len(errors), **params)])


def compare(
    root: Path,
    base: str,
    case_paths=(),
    cwd: Path | None = None,
    encoding: str | None = None,
    policy: str = "",
    on: dt.date | None = None,
) -> Report:
    """The report of the working tree at `root` against `base` (a git ref or a folder).

    `encoding`: the CSV case files', when named (otherwise told from each file).
    Raises BaseError (exit code 2) when the base cannot be read, InvalidTree when either
    version's policies are invalid, and RatebookError for problems in case files.
    """
    with tempfile.TemporaryDirectory(prefix="ratebook-base-") as scratch:
        base_root, base_name = base_project(base, root, Path(scratch))
        old = load_project(base_root)
        errors = blocking_errors(old)
        if errors:
            raise InvalidTree(errors, "diff-invalid.base", base=base_name)
    new = load_project(root)
    errors = blocking_errors(new)
    if errors:
        raise InvalidTree(errors, "diff-invalid.working-tree")
    if case_paths:
        specs, problems = read_cases(
            case_paths, cwd or Path.cwd(), encoding, policies=new.policies, policy=policy, on=on
        )
        if problems:
            problems = sorted(problems, key=lambda f: f.sort_key())
            raise RatebookError([*problems, summary("case-files-invalid", count=len(problems))])
        cases, source = file_cases(specs), ", ".join(str(p) for p in case_paths)
    else:
        cases, source = table_cases(old.policies, new.policies), TABLES
    impact = case_impact(old.policies, new.policies, cases, source)
    from generator.core.messages import words

    working_tree = words("diff.working-tree")
    examples = [
        f"{which}: {f}"
        for which, project in ((base_name, old), (working_tree, new))
        for f in project.findings.errors
    ]
    return Report(
        base_name, working_tree, rule_changes(old.policies, new.policies), impact, examples
    )


def save(path: Path, content: str | bytes) -> None:
    """Write a report file whole or not at all (a temporary file renamed into place)."""
    from generator.core.files import write_file

    write_file(path, content)


__all__ = ["BaseError", "InvalidTree", "compare", "save"]
