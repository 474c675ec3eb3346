"""The charts of a policy page, drawn from the published JSON of the policy (`publish/json_doc`).

A scale is shown as what it pays against the amount it is applied to: one line per version
(each dated value) and per branch (the scales of one policy that pay in the same units, such
as the employee and the resident scale one formula chooses between, share a chart), every
bracket boundary marked with the words of both sides (`30000 以内（含）｜超过 30000`). Where a
scale jumps at a boundary (a whole-amount scale), each bracket is its own piece of line whose
ends are drawn filled when the bracket includes that point and hollow when it does not, so
以上 and 以下 can be read off the chart as off the table beside it. A lookup table is drawn
as bars, one series per version.

The result is ECharts' option objects as plain data (the page hands them to the vendored
`echarts.common.min.js`); the numbers in the charts are floats for drawing only, the exact
decimals stay in the tables the page shows beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from generator.core.messages import render

GAP: list[Any] = ["-", "-"]  # ECharts' missing point: the line breaks there
MARGIN = Decimal("1.25")  # the x axis runs a quarter past the last boundary


@dataclass
class Chart:
    """One chart of a policy page: its element id, its title and the ECharts option."""

    id: str
    title: str
    parameters: list[str]
    option: dict[str, Any] = field(default_factory=dict)


def words(key: str, lang: str, **params: object) -> str:
    return render(key, params, lang)


def label(labels: dict[str, str] | None, lang: str, fallback: str) -> str:
    """The label in `lang`, else in the other language, else the id."""
    labels = labels or {}
    return labels.get(lang) or labels.get("zh") or labels.get("en") or fallback


def period_words(start: str | None, end: str | None, lang: str) -> str:
    if start is None:
        return words("desk.period.never", lang)
    if end:
        return words("desk.period.from-to", lang, start=start, end=end)
    return words("desk.period.from", lang, start=start)


def bracket_words(bracket: dict[str, Any], lang: str) -> str:
    """`超过 20000、30000 以内（含）` / `over 20000 up to 30000`: both ends, each with its side."""
    lower = upper = ""
    if bracket.get("lower") is not None:
        key = "bracket.at-least" if bracket.get("lower_inclusive") else "bracket.over"
        lower = words(key, lang, value=bracket["lower"])
    if bracket.get("upper") is not None:
        key = "bracket.up-to" if bracket.get("upper_inclusive") else "bracket.below"
        upper = words(key, lang, value=bracket["upper"])
    if lower and upper:
        return words("bracket.both", lang, lower=lower, upper=upper)
    return lower or upper or words("bracket.any", lang)


def boundary_words(below: dict[str, Any], above: dict[str, Any], lang: str) -> str:
    """The two sides of one boundary: `30000 以内（含）｜超过 30000`."""
    value = below["upper"]
    left = words(
        "bracket.up-to" if below.get("upper_inclusive") else "bracket.below", lang, value=value
    )
    right = words(
        "bracket.at-least" if above.get("lower_inclusive") else "bracket.over", lang, value=value
    )
    return f"{left} | {right}"


def _number(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def axis_end(brackets_by_version: list[list[dict[str, Any]]]) -> Decimal:
    """Where the x axis ends: a quarter past the largest boundary (1 when there is none)."""
    edges = [
        _number(edge)
        for brackets in brackets_by_version
        for b in brackets
        for edge in (b.get("lower"), b.get("upper"))
        if edge is not None
    ]
    largest = max((e for e in edges if e is not None), default=Decimal(0))
    return largest * MARGIN if largest > 0 else Decimal(1)


def axis_start(brackets_by_version: list[list[dict[str, Any]]]) -> Decimal:
    edges = [
        Decimal(edge)
        for brackets in brackets_by_version
        for b in brackets
        for edge in (b.get("lower"), b.get("upper"))
        if edge is not None
    ]
    smallest = min(edges, default=Decimal(0))
    return min(smallest, Decimal(0))


def marginal_pays(brackets: list[dict[str, Any]], x: Decimal) -> Decimal:
    """What a marginal scale pays on `x`: each part of x at the rate of its own bracket."""
    total = Decimal(0)
    for b in brackets:
        lower = _number(b.get("lower"))
        upper = _number(b.get("upper"))
        start = lower if lower is not None else Decimal(0)
        end = x if upper is None else min(x, upper)
        if end > start:
            total += (end - start) * Decimal(b.get("rate") or 0)
    return total


def _point(x: Decimal, y: Decimal, name: str, symbol: str = "none") -> dict[str, Any]:
    return {"value": [float(x), float(y)], "name": name, "symbol": symbol, "symbolSize": 9}


def _end_symbol(inclusive: bool) -> str:
    return "circle" if inclusive else "emptyCircle"


def scale_line(
    brackets: list[dict[str, Any]], method: str, start: Decimal, end: Decimal, lang: str
) -> list[Any]:
    """The points of one version of a scale from `start` to `end`."""
    if method == "marginal":
        xs = sorted(
            {start, end}
            | {
                Decimal(edge)
                for b in brackets
                for edge in (b.get("lower"), b.get("upper"))
                if edge is not None and start < Decimal(edge) < end
            }
        )
        line: list[Any] = []
        for x in xs:
            inside = next((b for b in brackets if _contains(b, x)), None)
            name = bracket_words(inside, lang) if inside else ""
            line.append(_point(x, marginal_pays(brackets, x), name, "circle"))
        return line
    points: list[Any] = []
    for b in brackets:
        lower, upper = _number(b.get("lower")), _number(b.get("upper"))
        left = start if lower is None else lower
        right = end if upper is None else upper
        name = bracket_words(b, lang)
        if b.get("amount") is not None:
            y_left = y_right = Decimal(b["amount"])
        else:
            rate = Decimal(b.get("rate") or 0)
            y_left, y_right = left * rate, right * rate
        left_symbol = "none" if lower is None else _end_symbol(bool(b.get("lower_inclusive")))
        right_symbol = "none" if upper is None else _end_symbol(bool(b.get("upper_inclusive")))
        points += [
            _point(left, y_left, name, left_symbol),
            _point(right, y_right, name, right_symbol),
            GAP,
        ]
    return points[:-1]


def _contains(bracket: dict[str, Any], x: Decimal) -> bool:
    lower, upper = _number(bracket.get("lower")), _number(bracket.get("upper"))
    if lower is not None and (x < lower or (x == lower and not bracket.get("lower_inclusive"))):
        return False
    return not (
        upper is not None and (x > upper or (x == upper and not bracket.get("upper_inclusive")))
    )


def boundaries(brackets: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """ECharts mark lines at each boundary between two brackets, labelled with both sides."""
    marks = []
    first = brackets[0] if brackets else {}
    if first.get("lower") is not None:  # where the scale starts paying
        key = "bracket.at-least" if first.get("lower_inclusive") else "bracket.over"
        marks.append(
            {
                "xAxis": float(Decimal(first["lower"])),
                "label": {"formatter": words(key, lang, value=first["lower"])},
            }
        )
    for below, above in zip(brackets, brackets[1:], strict=False):
        if below.get("upper") is None:
            continue
        marks.append(
            {
                "xAxis": float(Decimal(below["upper"])),
                "label": {"formatter": boundary_words(below, above, lang)},
            }
        )
    return marks


def _scale_groups(doc: dict[str, Any]) -> dict[tuple, list[str]]:
    """Scales that pay in the same way and units: (method, input unit, output unit) -> names."""
    groups: dict[tuple, list[str]] = {}
    for name, parameter in sorted(doc.get("parameters", {}).items()):
        if parameter.get("kind") != "scale" or parameter.get("unnumbered"):
            continue
        if not parameter.get("values"):
            continue
        amounts = any(
            b.get("amount") is not None for v in parameter["values"] for b in v["brackets"]
        )
        key = (
            parameter.get("method"),
            parameter.get("input_unit") or "",
            (parameter.get("output_unit") or "") if amounts else parameter.get("input_unit") or "",
        )
        groups.setdefault(key, []).append(name)
    return groups


def scale_chart(doc: dict[str, Any], names: list[str], lang: str, index: int) -> Chart:
    parameters = doc["parameters"]
    first = parameters[names[0]]
    versions = [v["brackets"] for name in names for v in parameters[name]["values"]]
    start, end = axis_start(versions), axis_end(versions)
    series = []
    for name in names:
        parameter = parameters[name]
        for value in parameter["values"]:
            brackets = value["brackets"]
            title = label(parameter.get("label"), lang, name)
            series.append(
                {
                    "name": f"{title} · {period_words(value['from'], value['to'], lang)}",
                    "type": "line",
                    "showSymbol": True,
                    "connectNulls": False,
                    "data": scale_line(brackets, parameter.get("method", ""), start, end, lang),
                    "markLine": {
                        "symbol": "none",
                        "silent": True,
                        "lineStyle": {"type": "dashed"},
                        "label": {"position": "insideEndTop"},
                        "data": boundaries(brackets, lang),
                    },
                }
            )
    in_unit = first.get("input_unit") or ""
    amounts = any(b.get("amount") is not None for v in first["values"] for b in v["brackets"])
    out_unit = (first.get("output_unit") or "") if amounts else in_unit
    title = " / ".join(label(parameters[n].get("label"), lang, n) for n in names)
    return Chart(
        id=f"chart-{index}",
        title=title,
        parameters=names,
        option={
            "animation": False,
            "title": {"show": False},
            "tooltip": {"trigger": "item"},
            "legend": {"type": "scroll", "top": 0},
            "grid": {"left": 70, "right": 40, "top": 60, "bottom": 50},
            "xAxis": {
                "type": "value",
                "name": words("desk.chart.amount", lang, unit=in_unit),
                "nameLocation": "middle",
                "nameGap": 28,
                "min": float(start),
                "max": float(end),
            },
            "yAxis": {"type": "value", "name": words("desk.chart.pays", lang, unit=out_unit)},
            "series": series,
        },
    )


def table_chart(
    doc: dict[str, Any],
    name: str,
    lang: str,
    index: int,
    value_labels: dict[str, dict[str, str]] | None = None,
) -> Chart:
    """A lookup table as bars: its keys (by their labels) along x, one series per version."""
    parameter = doc["parameters"][name]
    keys: list[Any] = []
    for value in parameter["values"]:
        for row in value["rows"]:
            if row["key"] not in keys:
                keys.append(row["key"])
    labels = value_labels or {}
    categories = [label(labels.get(str(k)), lang, str(k)) for k in keys]
    series = []
    for value in parameter["values"]:
        by_key = {row["key"]: row["value"] for row in value["rows"]}
        series.append(
            {
                "name": period_words(value["from"], value["to"], lang),
                "type": "bar",
                "label": {"show": True, "position": "top"},
                "data": [
                    float(Decimal(by_key[k])) if by_key.get(k) is not None else "-" for k in keys
                ],
            }
        )
    unit = parameter.get("unit") or ""
    return Chart(
        id=f"chart-{index}",
        title=label(parameter.get("label"), lang, name),
        parameters=[name],
        option={
            "animation": False,
            "tooltip": {"trigger": "item"},
            "legend": {"type": "scroll", "top": 0},
            "grid": {"left": 70, "right": 40, "top": 60, "bottom": 50},
            "xAxis": {"type": "category", "data": categories},
            "yAxis": {"type": "value", "name": "" if unit == "1" else unit},
            "series": series,
        },
    )


def policy_charts(
    doc: dict[str, Any], lang: str, value_labels: dict[str, dict[str, dict[str, str]]] | None = None
) -> list[Chart]:
    """Every chart of a policy page: one per group of scales, one per lookup table.

    `value_labels` is the case schema's `x-ratebook.value_labels` by input: a table keyed by an enum
    input shows its keys by their labels.
    """
    charts: list[Chart] = []
    for names in _scale_groups(doc).values():
        charts.append(scale_chart(doc, names, lang, len(charts)))
    for name, parameter in sorted(doc.get("parameters", {}).items()):
        if parameter.get("kind") == "table" and parameter.get("values"):
            key_labels = (value_labels or {}).get(parameter.get("key") or "")
            charts.append(table_chart(doc, name, lang, len(charts), key_labels))
    return charts
