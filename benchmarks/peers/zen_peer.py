"""GoRules zen-engine peer: the two benchmark rules as JDM decision graphs, evaluated per case.

Why this exists: issue 5 compares ratebook with a decision-table engine. zen-engine (the
Rust core of GoRules, Python binding ``zen-engine`` on PyPI) evaluates one JSON context at a
time through a graph of nodes, so the fair comparison is per case. The graphs are the JSON
files beside this module, written the way a GoRules author would draw them:

- ``zen_secondary_compensation.jdm.json``: a decision table (hit policy "first") keyed by
  scheme and the out-of-pocket range, giving the segment's lower bound, the amount paid by
  the segments below it (a derived column, as in a tax table: 3000 = 10000 × 30%) and the
  segment's rate; then an expression node
  ``round(segment.base + (out_of_pocket - segment.lower) * segment.rate, 2)``.
- ``zen_resident_inpatient.jdm.json``: a decision table hospital_level → ratio, then an
  expression node ``round(min([eligible_cost * ratio, max([0, 200000 - fund_paid])]), 2)``.

Numbers in zen expressions are decimals (not binary floats) and ``round(x, 2)`` rounds half
away from zero, which is half up for these non-negative amounts; Python floats in the
context are read by their shortest repr (25000.05 is 25000.05). Results come back as
Python floats.

API used: a ``zen.ZenEngine`` with a static loader holding both graphs, built once
(``setup()``, not timed), then the synchronous ``ZenEngine.evaluate(key, context_dict)`` once
per case; it returns ``{"result": {...}, "performance": "…µs"}``. That is the fast sync path
in zen-engine 2.1.3: the engine keeps the loaded decision between calls. The other sync
path, ``engine.create_decision(text).evaluate(context)`` on the returned ``ZenDecision``,
measured 0.5-1 ms per call here (about 30 times slower), so it is not used. The async
``async_evaluate`` returns an awaitable per case: awaited one by one it ran at about 3,600
cases/s, gathered 20,000 at a time about 11,000 cases/s, both slower than the sync call for
one Python caller. 2.x also has ``ZenEngine.evaluate_batch([{key, context}, ...])``, still
one graph evaluation per case but one call from Python; ``run_*_batch_api`` measure it
for reference.
"""

from __future__ import annotations

import json
import os

import zen

HERE = os.path.dirname(os.path.abspath(__file__))
GRAPHS = {
    "secondary": os.path.join(HERE, "zen_secondary_compensation.jdm.json"),
    "inpatient": os.path.join(HERE, "zen_resident_inpatient.jdm.json"),
}
SCHEME_NAMES = ("employee", "resident")  # code 0, code 1 (the policy's enum order)

_engine: zen.ZenEngine | None = None


def _graph_text(key: str) -> str:
    with open(GRAPHS[key], encoding="utf-8") as handle:
        return handle.read()


def setup() -> zen.ZenEngine:
    """Load the engine with both graphs once and warm each up: the untimed part."""
    global _engine
    if _engine is None:
        contents = {key: json.loads(_graph_text(key)) for key in GRAPHS}
        engine = zen.ZenEngine({"loader": {"type": "static", "content": contents}})
        engine.evaluate("secondary", {"scheme": "employee", "out_of_pocket": 0})
        engine.evaluate(
            "inpatient", {"hospital_level": 1, "eligible_cost": 0, "fund_paid_this_year": 0}
        )
        _engine = engine
    return _engine


def _scheme_name(value) -> str:
    return value if isinstance(value, str) else SCHEME_NAMES[int(value)]


def _plain(values) -> list:
    """A list of plain Python numbers (zen cannot read numpy scalars)."""
    return values.tolist() if hasattr(values, "tolist") else list(values)


def run_secondary_per_case(scheme_list, oop_list) -> list:
    """medical.secondary_compensation, one ``evaluate`` per case; floats in yuan.

    scheme_list: "employee"/"resident" or codes 0/1; oop_list: yuan (numbers).
    """
    evaluate = (_engine or setup()).evaluate
    schemes = [_scheme_name(s) for s in _plain(scheme_list)]
    return [
        evaluate("secondary", {"scheme": s, "out_of_pocket": x})["result"]["compensation"]
        for s, x in zip(schemes, _plain(oop_list), strict=True)
    ]


def run_inpatient_per_case(level_list, cost_list, fund_paid_list) -> list:
    """medical.resident_inpatient, one ``evaluate`` per case; floats in yuan.

    level_list: hospital levels 1, 2, 3; cost_list, fund_paid_list: yuan.
    """
    evaluate = (_engine or setup()).evaluate
    return [
        evaluate("inpatient", {"hospital_level": lv, "eligible_cost": c, "fund_paid_this_year": p})[
            "result"
        ]["reimbursement"]
        for lv, c, p in zip(
            _plain(level_list), _plain(cost_list), _plain(fund_paid_list), strict=True
        )
    ]


def run_secondary_batch_api(scheme_list, oop_list) -> list:
    """Same as run_secondary_per_case through ZenEngine.evaluate_batch (reference only)."""
    engine = _engine or setup()
    requests = [
        {"key": "secondary", "context": {"scheme": _scheme_name(s), "out_of_pocket": x}}
        for s, x in zip(_plain(scheme_list), _plain(oop_list), strict=True)
    ]
    return [r["data"]["result"]["compensation"] for r in engine.evaluate_batch(requests)]


def run_inpatient_batch_api(level_list, cost_list, fund_paid_list) -> list:
    """Same as run_inpatient_per_case through ZenEngine.evaluate_batch (reference only)."""
    engine = _engine or setup()
    requests = [
        {
            "key": "inpatient",
            "context": {"hospital_level": lv, "eligible_cost": c, "fund_paid_this_year": p},
        }
        for lv, c, p in zip(
            _plain(level_list), _plain(cost_list), _plain(fund_paid_list), strict=True
        )
    ]
    return [r["data"]["result"]["reimbursement"] for r in engine.evaluate_batch(requests)]
