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
from generator.regress.case_files import stream_cases
from generator.regress.case_run import blocking_errors
from generator.regress.impact import case_impact, table_cases
from generator.regress.report import Report
from generator.regress.rule_changes import rule_changes
from generator.regress.stream_impact import StreamImpact

TABLES = "the generated test tables of both versions"
CHUNK_ROWS = 65_536  # cases read and evaluated at a time by `diff --cases`


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
    chunk_rows: int = CHUNK_ROWS,
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
        source = ", ".join(str(p) for p in case_paths)
        impact = _file_impact(
            old.policies, new.policies, case_paths, cwd, encoding, policy, on, chunk_rows, source
        )
    else:
        cases = table_cases(old.policies, new.policies)
        impact = case_impact(old.policies, new.policies, cases, TABLES)
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


def _file_impact(base, head, case_paths, cwd, encoding, policy, on, chunk_rows, source):
    """The impact on the cases of files, read and evaluated `chunk_rows` cases at a time; a
    problem in a file stops the diff with every problem found (nothing is reported)."""
    root = cwd or Path.cwd()
    fast = _plain_impact(base, head, case_paths, root, encoding, policy, on, chunk_rows, source)
    if fast is not None:
        return fast
    stream = StreamImpact(base, head, source)
    problems: list = []

    def take(specs: list) -> None:
        if not problems:  # once a file is known to be wrong, only its problems matter
            stream.add(specs)

    problems += stream_cases(
        case_paths,
        root,
        take,
        chunk_rows,
        encoding,
        policies=head,
        policy=policy,
        on=on,
    )
    if problems:
        problems = sorted(problems, key=lambda f: f.sort_key())
        raise RatebookError([*problems, summary("case-files-invalid", count=len(problems))])
    return stream.impact()


def _plain_impact(base, head, case_paths, root, encoding, policy, on, chunk_rows, source):
    """The impact when every case file is a plain CSV Arrow reads (arrow_cases), else None."""
    from generator.regress.arrow_cases import NotPlain, is_plain_csv, stream_plain_csv
    from generator.regress.case_files import case_files, display

    files, findings = case_files(case_paths, root)
    if findings or not files or not all(is_plain_csv(path) for path in files):
        return None
    stream = StreamImpact(base, head, source)
    try:
        for path in files:
            shown = display(path, root)
            stream_plain_csv(path, shown, stream, head, policy, on, chunk_rows, encoding)
    except NotPlain:
        return None
    return stream.impact()


def save(path: Path, content: str | bytes) -> None:
    """Write a report file whole or not at all (a temporary file renamed into place)."""
    from generator.core.files import write_file

    write_file(path, content)


__all__ = ["BaseError", "InvalidTree", "compare", "save"]
