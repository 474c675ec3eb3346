"""The regression report of `ratebook diff`: a terminal summary, and files for review and sign-off.

- terminal: the rule changes in words, then only the outputs whose cases changed;
- .md: the whole report (rules, impact on every output, biggest changes) to attach to a
  commit or a merge request;
- .xlsx: the same in four sheets (rules, impact, changes, not compared), every changed case listed;
- .csv: every changed case, one row per case and output, for filtering and summing; then
  every case not compared, one row each with an empty output and its reason as the note
  (UTF-8 with a byte-order mark, so that Excel opens it as UTF-8).
Every format states how the cases add up (`146 case(s) = 140 compared + 6 refused by both
versions`) and lists each case not compared with its reason: none is left out silently.
Amounts are shown as the policy rounds its outputs (yuan with two decimals), changes signed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from generator.core.messages import Message, words
from generator.core.shown import named, pad, width
from generator.core.unit_words import unit_label
from generator.evaluate.outcome import text
from generator.regress.impact import BIGGEST, REASONS, CaseChange, Impact, OutputImpact, Uncompared
from generator.regress.rule_changes import PolicyChange
from generator.runtime import round_to

STATS = ("min", "median", "max", "total")
IMPACT_COLUMNS = (
    "policy",
    "output",
    "unit",
    "cases",
    "compared",
    "changed",
    "up",
    "down",
    "refused now",
    "evaluated now",
    "min",
    "median",
    "max",
    "total",
)
CHANGE_COLUMNS = (
    "policy",
    "output",
    "unit",
    "case",
    "on",
    "inputs",
    "base",
    "new",
    "change",
    "note",
)

UNCOMPARED_COLUMNS = ("policy", "case", "on", "inputs", "reason", "refusal")


@dataclass
class Report:
    base: str  # how the base is named: "main (1a2b3c4d5e)" or a folder
    head: str
    rules: list[PolicyChange]
    impact: Impact
    failing_examples: list = field(
        default_factory=list
    )  # "working tree: policies/x.yaml:9:5: case …"

    @property
    def any_change(self) -> bool:
        """A rule change or a changed case; wording-only edits do not count."""
        return any(c.is_rule_change for c in self.rules) or self.impact.any_change


def signed(value, places: int | None) -> str:
    if value is None:
        return ""
    shown = text(value, places)
    return shown if shown.startswith("-") or value == 0 else "+" + shown


def _value(output: OutputImpact, value) -> str:
    if value is None:
        return "refused"
    return text(value, output.places if output.type == "number" else None)


def _number(value, places):
    """For workbooks: a number people can sum, rounded as the output is."""
    if value is None or places is None or isinstance(value, bool):
        return value
    return round_to(value, places)  # half-up, like the outputs


def _impact_cells(o: OutputImpact, raw: bool = False) -> list:
    places = o.places if o.type == "number" else None
    stats = [_number(o.stat(s), places) if raw else signed(o.stat(s), places) for s in STATS]
    return [
        o.policy,
        o.output,
        o.unit if raw else _unit(o.unit),
        o.cases,
        o.compared,
        o.changed,
        o.up,
        o.down,
        o.refused_now,
        o.evaluated_now,
    ] + stats


def _unit(unit: str) -> str:
    """A unit as a person reads it (元/月), its id when it has no label."""
    return unit_label(unit) or unit


def _change_cells(o: OutputImpact, c: CaseChange, raw: bool = False) -> list:
    places = o.places if o.type == "number" else None
    if raw:
        values = [_number(c.base, places), _number(c.head, places), _number(c.change, places)]
    else:
        values = [_value(o, c.base), _value(o, c.head), signed(c.change, places)]
    return (
        [
            o.policy,
            o.output,
            o.unit if raw else _unit(o.unit),
            c.case.label,
            c.case.on.isoformat(),
            c.case.inputs_text(),
        ]
        + values
        + [c.note]
    )


def reason_words(reason: str) -> str:
    key = REASONS[reason]
    return str(Message(key))


def sum_line(impact: Impact) -> str:
    """How the cases add up: "146 case(s) = 140 compared + 6 refused by both versions"."""
    terms = [(impact.compared, str(Message("diff-reason.compared")))]
    terms += [(count, reason_words(reason)) for reason, count in impact.counts()]
    joined = " + ".join(str(Message("diff-term", count=n, reason=said)) for n, said in terms)
    return str(Message("diff-sum", cases=impact.cases, terms=joined))


def _uncompared_cells(u: Uncompared) -> list:
    c = u.case
    return [c.policy, c.label, c.on.isoformat(), c.inputs_text(), reason_words(u.reason), u.detail]


def _outputs(report: Report):
    for policy in report.impact.policies:
        yield from policy.outputs


# -- terminal ---------------------------------------------------------------------------------------


TERMINAL_COLUMNS = {  # the impact table's headers on a terminal, in words
    "policy": "diff.column.policy",
    "output": "diff.column.output",
    "unit": "diff.column.unit",
    "cases": "diff.column.cases",
    "changed": "diff.column.changed",
    "up": "diff.column.up",
    "down": "diff.column.down",
    "min": "diff.column.min",
    "median": "diff.column.median",
    "max": "diff.column.max",
    "total": "diff.column.total",
}


def terminal_lines(report: Report, biggest: int = 5) -> list[str]:
    lines = [words("diff.rules", base=report.base, head=report.head)]
    rules = report.rules
    if not rules:
        lines.append(words("diff.no-policy-changed"))
    for change in rules:
        lines.append(f"  {change.words()}")
    if report.failing_examples:
        lines += ["", words("diff.failing-examples")]
        lines += [f"  {line}" for line in report.failing_examples]
    impact = report.impact
    lines += ["", words("diff.cases", cases=impact.cases, source=impact.source)]
    lines.append(f"  {sum_line(impact)}")
    for reason, items in impact.by_reason():
        lines.append(f"  {Message('diff-not-compared', reason=reason_words(reason))}")
        for u in items:
            c = u.case
            detail = f"  {u.detail}" if u.detail else ""
            line = words(
                "diff.uncompared-case",
                policy=c.policy,
                on=c.on.isoformat(),
                inputs=c.inputs_text(),
                label=c.label,
            )
            lines.append(line + detail)
    for policy in impact.policies:
        if policy.status == "added":
            lines.append(words("diff.added", policy=policy.policy, cases=policy.cases))
        elif policy.status == "removed":
            lines.append(words("diff.removed", policy=policy.policy, cases=policy.cases))
    changed = [o for o in _outputs(report) if o.any_change]
    if not changed:
        lines.append(words("diff.no-case-changed"))
        return lines
    keep = [
        i
        for i, name in enumerate(IMPACT_COLUMNS)
        if name not in ("compared", "refused now", "evaluated now")
    ]
    rows = [[words(TERMINAL_COLUMNS[IMPACT_COLUMNS[i]]) for i in keep]] + [
        [str(_impact_cells(o)[i]) for i in keep] for o in changed
    ]
    widths = [max(width(r[i]) for r in rows) for i in range(len(keep))]
    for row in rows:
        lines.append(
            "  "
            + "  ".join(
                pad(c, w, right=i >= 3) for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
    for o in changed:
        if o.refused_now or o.evaluated_now:
            lines.append(
                words(
                    "diff.refused-now",
                    policy=o.policy,
                    output=o.output,
                    refused=o.refused_now,
                    evaluated=o.evaluated_now,
                )
            )
    unchanged = sum(1 for p in impact.policies if p.status == "both" and not p.any_change)
    if unchanged:
        lines.append(words("diff.unchanged-others", count=unchanged))
    for o in changed:
        lines += ["", words("diff.biggest", policy=o.policy, output=o.output)]
        for c in o.biggest(biggest):
            amount = signed(c.change, o.places) if c.change is not None else ""
            line = words(
                "diff.change",
                amount=f"{amount:>10}",
                base=_shown_value(o, c.base),
                head=_shown_value(o, c.head),
                on=c.case.on.isoformat(),
                inputs=c.case.inputs_text(),
                label=c.case.label,
            )
            lines.append(line + (f"  {c.note}" if c.note else ""))
    return lines


def _shown_value(output: OutputImpact, value) -> str:
    """A value as the terminal shows it: a refused case in words."""
    return words("diff.refused") if value is None else _value(output, value)


# -- files ------------------------------------------------------------------------------------------
# The .md and .xlsx reports speak the current language; in Chinese policies and outputs are
# named by their labels with the id beside them. The .csv stays as machines read it (ids).


REPORT_WORDS = {  # (kind, name) → key: the headers, statuses and sheet titles of .md and .xlsx
    ("column", "policy"): "report.column.policy",
    ("column", "output"): "report.column.output",
    ("column", "unit"): "report.column.unit",
    ("column", "cases"): "report.column.cases",
    ("column", "compared"): "report.column.compared",
    ("column", "changed"): "report.column.changed",
    ("column", "up"): "report.column.up",
    ("column", "down"): "report.column.down",
    ("column", "refused now"): "report.column.refused-now",
    ("column", "evaluated now"): "report.column.evaluated-now",
    ("column", "min"): "report.column.min",
    ("column", "median"): "report.column.median",
    ("column", "max"): "report.column.max",
    ("column", "total"): "report.column.total",
    ("column", "case"): "report.column.case",
    ("column", "on"): "report.column.on",
    ("column", "inputs"): "report.column.inputs",
    ("column", "base"): "report.column.base",
    ("column", "new"): "report.column.new",
    ("column", "change"): "report.column.change",
    ("column", "note"): "report.column.note",
    ("column", "reason"): "report.column.reason",
    ("column", "refusal"): "report.column.refusal",
    ("column", "status"): "report.column.status",
    ("status", "added"): "report.status.added",
    ("status", "removed"): "report.status.removed",
    ("status", "changed"): "report.status.changed",
    ("status", "wording only"): "report.status.wording-only",
    ("sheet", "rules"): "report.sheet.rules",
    ("sheet", "impact"): "report.sheet.impact",
    ("sheet", "changes"): "report.sheet.changes",
    ("sheet", "not compared"): "report.sheet.not-compared",
}


def _said(kind: str, name: str) -> str:
    return words(REPORT_WORDS[kind, name])


def _column(name: str) -> str:
    """A column's header in the reports people read: `refused now` → report.column.refused-now."""
    return _said("column", name)


def _columns(names) -> list[str]:
    return [_column(n) for n in names]


def _shown_impact(o: OutputImpact, raw: bool = False) -> list:
    cells = _impact_cells(o, raw)
    return [named(o.policy, o.policy_labels), named(o.output, o.output_labels)] + cells[2:]


def _shown_change(o: OutputImpact, c: CaseChange, raw: bool = False) -> list:
    cells = _change_cells(o, c, raw)
    if not raw:
        cells[6:8] = [_report_value(o, c.base), _report_value(o, c.head)]
    return [named(o.policy, o.policy_labels), named(o.output, o.output_labels)] + cells[2:]


def _report_value(output: OutputImpact, value) -> str:
    return words("report.refused") if value is None else _value(output, value)


def _policy_labels(report: Report) -> dict:
    known = {p.policy: p.labels for p in report.impact.policies}
    known.update({c.policy: c.labels for c in report.rules if c.labels})
    return known


def _shown_uncompared(u: Uncompared, labels: dict) -> list:
    cells = _uncompared_cells(u)
    return [named(cells[0], labels.get(cells[0]))] + cells[1:]


def markdown(report: Report, biggest: int = BIGGEST) -> str:
    labels = _policy_labels(report)
    out = ["# " + words("report.title", base=report.base, head=report.head), ""]
    if not report.rules:
        out.append(words("report.no-policy-changed"))
    for change in report.rules:
        if change.status == "changed":
            out.append(f"- **{named(change.policy, change.labels)}**")
            out += [f"  - {w}" for w in change.changes]
        else:
            out.append(f"- {change.words()}")
    if report.failing_examples:
        out += ["", words("report.failing-examples"), ""] + [
            f"- {_md(line)}" for line in report.failing_examples
        ]
    impact = report.impact
    out += [
        "",
        "## " + words("report.impact", cases=impact.cases),
        "",
        words("report.source", source=impact.source),
    ]
    out += ["", words("report.sum", sum=sum_line(impact))]
    others = [p for p in impact.policies if p.status != "both"]
    if others:
        out.append("")
    for policy in others:
        key = "report.policy-added" if policy.status == "added" else "report.policy-removed"
        out.append(
            "- " + words(key, policy=named(policy.policy, policy.labels), cases=policy.cases)
        )
    outputs = list(_outputs(report))
    if outputs:
        out += ["", *_md_table(_columns(IMPACT_COLUMNS), (_shown_impact(o) for o in outputs))]
    for o in outputs:
        if not o.any_change:
            continue
        heading = words(
            "report.biggest",
            policy=named(o.policy, o.policy_labels),
            output=named(o.output, o.output_labels),
            unit=_unit(o.unit) or words("report.no-unit"),
        )
        rows = (_shown_change(o, c)[3:] for c in o.biggest(biggest))
        out += ["", f"### {heading}", "", *_md_table(_columns(CHANGE_COLUMNS[3:]), rows)]
        if o.changes > biggest:
            out.append("\n" + words("report.more-changes", count=o.changes - biggest))
    if impact.uncompared:
        heading = str(Message("diff-not-compared.heading", count=impact.not_compared))
        rows = (_shown_uncompared(u, labels) for _, items in impact.by_reason() for u in items)
        out += ["", f"### {heading}", "", *_md_table(_columns(UNCOMPARED_COLUMNS), rows)]
    return "\n".join(out) + "\n"


def _md_table(header: list[str], rows) -> list[str]:
    """A Markdown table's lines: the header, its rule, one line per row of cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]


def _md(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def changes_csv(report: Report) -> str:
    """The changed cases as CSV text, starting with U+FEFF (UTF-8's byte-order mark once
    written): a report is opened in Excel, which reads a CSV without the mark as GBK on a
    Chinese Windows. Machines read it with encoding="utf-8-sig"."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CHANGE_COLUMNS)
    for o in _outputs(report):
        for c in o.listed:
            writer.writerow(_change_cells(o, c))
    for _, items in report.impact.by_reason():
        for u in items:
            policy, label, on, inputs, reason, detail = _uncompared_cells(u)
            note = f"{reason}: {detail}" if detail else reason
            writer.writerow([policy, "", "", label, on, inputs, "", "", "", note])
    return buffer.getvalue()


def workbook(report: Report) -> bytes:
    """Four sheets: rules, impact, changes, the cases not compared. Written in openpyxl's streaming mode, which
    keeps a year of changed cases (a hundred thousand rows) to seconds, not minutes."""
    from openpyxl import Workbook

    from generator.core.xlsx_bytes import workbook_bytes

    book = Workbook(write_only=True)
    labels = _policy_labels(report)
    rules = [[f"{report.base} → {report.head}"], _columns(("policy", "status", "change"))]
    for change in report.rules:
        status = _said("status", change.status)
        for said in change.changes if change.status == "changed" else (change.words(),):
            rules.append([named(change.policy, change.labels), status, said])
    impact: list[list[object]] = [
        [
            words("report.sheet-cases", cases=report.impact.cases, source=report.impact.source),
            sum_line(report.impact),
        ],
        list(_columns(IMPACT_COLUMNS)),
    ]
    impact += [_shown_impact(o, raw=True) for o in _outputs(report)]
    impact += [
        [
            named(p.policy, p.labels),
            "(" + _said("status", p.status) + ")",
            "",
            p.cases,
        ]
        for p in report.impact.policies
        if p.status != "both"
    ]
    changes = [_columns(CHANGE_COLUMNS)] + [
        _shown_change(o, c, raw=True) for o in _outputs(report) for c in o.listed
    ]
    uncompared = [[sum_line(report.impact)], _columns(UNCOMPARED_COLUMNS)] + [
        _shown_uncompared(u, labels) for _, items in report.impact.by_reason() for u in items
    ]
    for title, rows, header_row in (
        ("rules", rules, 2),
        ("impact", impact, 2),
        ("changes", changes, 1),
        ("not compared", uncompared, 2),
    ):
        _sheet(book, _said("sheet", title), rows, header_row)
    return workbook_bytes(book, canonical=False)  # written once for people, never compared


def _sheet(book, title: str, rows: list, header_row: int) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    sheet.freeze_panes = f"A{header_row + 1}"
    columns = max(len(r) for r in rows)
    for index in range(columns):
        width = max(
            (
                len(str(r[index]))
                for r in rows[header_row - 1 : header_row + 200]
                if index < len(r) and r[index] is not None
            ),
            default=8,
        )
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(max(width + 2, 8), 80)
    bold = Font(bold=True)
    for number, row in enumerate(rows, start=1):
        if number == header_row:
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value)
                cell.font = bold
                cells.append(cell)
            sheet.append(cells)
        else:
            sheet.append(row)  # plain values: styling each of 10^5 cells would double the time


def report_file(report: Report, suffix: str) -> str | bytes:
    """The report in the format its file name asks for: .md, .csv or .xlsx."""
    if suffix == ".md":
        return markdown(report)
    if suffix == ".csv":
        return changes_csv(report)
    if suffix == ".xlsx":
        return workbook(report)
    raise ValueError(f"unknown report format {suffix!r}; use .md, .csv or .xlsx")
