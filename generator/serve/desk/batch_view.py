"""The desk's uploads made into what their pages show: a workbook's findings on its sheets, a
case file's results and rejected rows, and a comparison with a git ref.

Each function runs one operation of the service (or `ratebook diff`'s `compare`) on bytes
already read and bounded, in the caller's language, and returns plain data for a template:
the results and the rejected rows come back as files to download (`data:` links, UTF-8 with
the byte-order mark Excel needs to read Chinese), so nothing stays on the server.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from generator.core.errors import RatebookError
from generator.core.findings import ERROR, WARNING, summary
from generator.core.messages import render, words
from generator.core.unit_words import unit_label
from generator.regress.report import IMPACT_COLUMNS, TERMINAL_COLUMNS, signed
from generator.serve import service
from generator.serve.desk import sheet, views
from generator.serve.desk.charts import Chart

PREVIEW_ROWS = 20
MAX_LINES = 2000  # lines of an uploaded YAML policy drawn
LISTED_ERRORS = 200
CHART_CASES = 200  # bars in the chart of how much each case changed
BOM = "\ufeff"
SHOWN_IMPACT = [c for c in IMPACT_COLUMNS if c not in ("compared", "refused now", "evaluated now")]


def data_link(content: bytes, media_type: str) -> str:
    """A `data:` link holding `content`, a download that needs nothing kept on the server."""
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"


def _csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (BOM + out.getvalue()).encode("utf-8")


# -- a workbook -----------------------------------------------------------------------------------


def workbook_view(answer: dict[str, Any], data: bytes) -> dict[str, Any]:
    """The findings of `service.validate_upload` and, for a workbook, its sheets drawn with
    each finding's cell marked and the finding linked to it."""
    findings = answer["findings"]
    marks: dict[tuple[str, str], list[str]] = {}
    for f in findings:
        if f.get("sheet") and f.get("cell"):
            marks.setdefault((f["sheet"], f["cell"].upper()), []).append(f["message"])
    sheets: list[sheet.Sheet] = []
    if answer["file"].lower().endswith(".xlsx"):
        try:
            sheets = sheet.draw_workbook(data, marks)
        except Exception:  # noqa: BLE001 - openpyxl refuses a broken file many ways; the findings say why
            sheets = []
    lines = source_lines(answer, data) if not sheets else []
    index = {s.title: s.index for s in sheets}
    shown = []
    for f in findings:
        anchor = ""
        if f.get("sheet") in index and f.get("cell") and sheet.cell_position(f["cell"]):
            anchor = sheet.anchor(index[f["sheet"]], f["cell"])
        elif f.get("sheet") in index:
            anchor = sheet.anchor(index[f["sheet"]])
        elif lines and 0 < (f.get("line") or 0) <= len(lines):
            anchor = f"line-{f['line']}"
        shown.append(views.finding_view(f, anchor))
    return {
        "findings": shown,
        "errors": sum(1 for f in findings if f.get("severity") == ERROR),
        "warnings": sum(1 for f in findings if f.get("severity") == WARNING),
        "sheets": sheets,
        "lines": lines,
    }


def source_lines(answer: dict[str, Any], data: bytes) -> list[dict[str, Any]]:
    """A YAML policy's lines, numbered, each with the words of the findings placed on it (up
    to MAX_LINES lines; the findings list says the rest)."""
    if not answer["file"].lower().endswith((".yaml", ".yml")):
        return []
    marks: dict[int, list[str]] = {}
    for f in answer["findings"]:
        if f.get("line"):
            marks.setdefault(f["line"], []).append(f["message"])
    text = data.decode("utf-8", errors="replace").splitlines()[:MAX_LINES]
    return [
        {"number": n, "text": line, "marks": marks.get(n, [])}
        for n, line in enumerate(text, start=1)
    ]


# -- a case file ------------------------------------------------------------------------------------


def case_file_format(filename: str) -> str:
    """The batch format of a case file, by its extension (`.csv`, `.xlsx`, ...): 400 for one
    the service does not read."""
    suffix = Path(filename).suffix.lower()
    name = suffix.removeprefix(".")
    if name not in service.BATCH_INPUT_FORMATS:
        formats = ", ".join(f".{f}" for f in service.BATCH_INPUT_FORMATS)
        raise service.Refused(
            400, [summary("serve-batch-format", format=suffix or "-", formats=formats)]
        )
    return name


def run_case_file(
    snapshot, policy_id: str, filename: str, data: bytes, on: dt.date | None, max_rows: int
) -> dict[str, Any]:
    """Every row of the case file evaluated (`service.run_batch`): the summary line of
    `ratebook eval --cases`, the first rows, the rejected rows, and both as files."""
    answer = service.run_batch(
        snapshot, policy_id, data, case_file_format(filename), "jsonl", on, max_rows
    )
    rows = [json.loads(line) for line in b"".join(answer.chunks()).splitlines() if line.strip()]
    results = [r for r in rows if r.get(service.REFUSED_REASON) in (None, "")]
    rejected = [r for r in rows if r.get(service.REFUSED_REASON) not in (None, "")]
    rejected_rows = {r["row"] for r in rejected}
    columns = [
        c
        for c in (rows[0] if rows else {})
        if c not in (service.REFUSED_FIELD, service.REFUSED_REASON)
    ]
    errors = [
        [r["row"], r.get(service.REFUSED_FIELD) or "", r[service.REFUSED_REASON]] for r in rejected
    ]
    stem = Path(filename).stem or "cases"
    return {
        "summary": words(
            "batch.rows",
            rows_in=answer.rows_in,
            rows_out=len(results),
            rows_rejected=len(rejected_rows),
        ),
        "rows_out": len(results),
        "preview_columns": columns,
        "preview_rows": [[_cell(r.get(c)) for c in columns] for r in results[:PREVIEW_ROWS]],
        "download": data_link(
            _csv_bytes(columns, [[_cell(r.get(c)) for c in columns] for r in results]),
            "text/csv;charset=utf-8",
        ),
        "download_name": f"{stem}.results.csv",
        "errors": errors[:LISTED_ERRORS],
        "errors_download": data_link(
            _csv_bytes(["row", "field", "reason"], errors), "text/csv;charset=utf-8"
        )
        if errors
        else "",
        "errors_name": f"{stem}.errors.csv",
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- compared with a git ref ---------------------------------------------------------------------------


def compare_case_file(
    root: Path,
    base: str,
    filename: str,
    data: bytes,
    on: dt.date | None,
    policy_id: str,
    lang: str,
) -> dict[str, Any]:
    """`ratebook diff --base REF --cases FILE`: the rule changes in words, the impact table
    and a chart of how much each case changed (the largest changes, one bar each)."""
    from generator.regress.diff import BaseError, compare

    with tempfile.TemporaryDirectory(prefix="ratebook-desk-") as scratch:
        path = Path(scratch) / (Path(filename).name or "cases.csv")
        path.write_bytes(data)
        try:
            report = compare(root, base, [path], cwd=Path(scratch), policy=policy_id, on=on)
        except BaseError as error:
            raise service.Refused(400, error.findings) from None
        except RatebookError as error:
            raise service.Refused(422, error.findings) from None
    changed = [o for p in report.impact.policies for o in p.outputs if o.any_change]
    rows = []
    for o in changed:
        places = o.places if o.type == "number" else None
        cells = {
            "policy": o.policy,
            "output": o.output,
            "unit": unit_label(o.unit) or o.unit,
            "cases": o.cases,
            "changed": o.changed,
            "up": o.up,
            "down": o.down,
            **{s: signed(o.stat(s), places) for s in ("min", "median", "max", "total")},
        }
        rows.append([str(cells[c]) for c in SHOWN_IMPACT])
    return {
        "changes": [c.words() for c in report.rules if c.is_rule_change],
        "impact_columns": [words(TERMINAL_COLUMNS[c]) for c in SHOWN_IMPACT] if rows else [],
        "impact_rows": rows,
        "chart": change_chart(changed, lang) if changed else None,
    }


def change_chart(changed: list, lang: str) -> Chart | None:
    """Bars of each case's change (new − base), one series per output, largest first."""
    series: list[dict[str, Any]] = []
    categories: list[str] = []
    for o in changed:
        listed = [c for c in o.listed if c.change is not None][:CHART_CASES]
        for c in listed:
            if c.case.label not in categories:
                categories.append(c.case.label)
        by_case = {c.case.label: c.change for c in listed}
        series.append(
            {
                "name": f"{o.policy} · {o.output}",
                "type": "bar",
                "data": [_float(by_case.get(label)) for label in categories],
            }
        )
    if not categories:
        return None
    for s in series:  # the earlier series gain the later series' categories as gaps
        s["data"] += ["-"] * (len(categories) - len(s["data"]))
    title = render("desk.cases.chart", {}, lang)
    return Chart(
        id="chart-diff",
        title=title,
        parameters=[],
        option={
            "animation": False,
            "tooltip": {"trigger": "item"},
            "legend": {"type": "scroll", "top": 0},
            "grid": {"left": 70, "right": 30, "top": 50, "bottom": 90},
            "xAxis": {
                "type": "category",
                "data": categories,
                "name": render("desk.cases.case", {}, lang),
                "axisLabel": {"rotate": 45, "interval": "auto"},
            },
            "yAxis": {"type": "value"},
            "series": series,
        },
    )


def _float(value: Decimal | None) -> float | str:
    if value is None:
        return "-"
    try:
        return float(value)
    except (InvalidOperation, ValueError):
        return "-"
