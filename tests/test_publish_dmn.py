"""The published DMN, loaded and evaluated by an engine this project did not write, agrees with ratebook.

The engine is pyDMNrules (PyPI, GPL): it reads DMN XML and evaluates S-FEEL (simple FEEL) with
binary floats. The rows are the generated test tables in generated/tables/ (when present) and
rows derived here from each policy: its example cases, every bracket edge and amount it
compares against (just below, at, just above), every enum and boolean value, and every date a
value starts (and the day before). Each row is evaluated by ratebook's interpreter and by the
engine from the published .dmn file:
- every output must agree; money is compared twice: the engine's unrounded decision
  (`<output>_unrounded`) must equal ratebook's exact value to within float noise, and the
  rounded decision must equal ratebook's rounded value, except where ratebook's exact value
  lies exactly on a rounding edge (half-way between two fen for half-up) and the engine's
  float landed a hair beside it (a binary-float artefact, counted and reported, never hidden);
- a case ratebook refuses as not in force must get no result from the engine either;
- a case ratebook refuses because a cross-field check fails must get a false `check_N`.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pyDMNrules
import pytest
from click.testing import CliRunner

import cli
from generator import runtime as rt
from generator.evaluate.interpreter import evaluate, read_inputs
from generator.formula.syntax import Number
from generator.model.policy import Policy
from generator.publish.dmn.decisions import date_input_name, walk
from generator.sources.discovery import source_files

from .conftest import ROOT

MINIMUM_ROWS_PER_POLICY = (
    5  # rows compared (outputs checked) per policy: the test cannot pass on nothing
)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("published")
    result = CliRunner().invoke(
        cli.main, ["--root", str(ROOT), "publish", "--out", str(out), "--format", "dmn"]
    )
    assert result.exit_code == 0, result.output
    return out


# -- rows ---------------------------------------------------------------------------------------


def table_rows(policy: Policy) -> list[tuple[dt.date, dict]]:
    """Rows of generated/tables/<id>.csv (another engineer's generated test tables), if present."""
    path = ROOT / "generated" / "tables" / f"{policy.id}.csv"
    if not path.exists():
        return []
    lines = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    found = []
    for row in csv.DictReader(lines):
        inputs = {
            k[3:]: v for k, v in row.items() if k and k.startswith("in:") and v not in ("", None)
        }
        found.append((dt.date.fromisoformat(row["on"]), inputs))
    return found


def interesting_values(policy: Policy, field) -> list:
    """Values of one input worth testing: edges of what it is compared with, and the examples."""
    if field.type == "enum":
        return list(field.values)
    if field.type == "boolean":
        return [True, False]
    if field.type not in ("number", "integer"):
        return []
    step = Decimal(1) if field.type == "integer" else Decimal("0.01")
    edges: set[Decimal] = set()
    for p in policy.parameters:
        for v in p.values:
            if p.kind in ("amount", "rate"):
                edges.add(v.value)
            elif p.kind == "scale":
                edges |= {b for br in v.value for b in (br.lower, br.upper) if b is not None}
    for f in policy.formulas:
        edges |= (
            {n.value for n in walk(f.tree) if isinstance(n, Number)}
            if f.tree is not None
            else set()
        )
    values = {e + d for e in edges for d in (-step, 0, step)}
    values |= {Decimal(str(v)) for c in policy.cases for k, v in c.inputs if k == field.name}
    if field.type == "integer":
        values = {v for v in values if v == v.to_integral_value()}
    if field.minimum is not None:
        values = {v for v in values if v >= field.minimum}
    if field.maximum is not None:
        values = {v for v in values if v <= field.maximum}
    return sorted(values)


def derived_rows(policy: Policy) -> list[tuple[dt.date, dict]]:
    """Example cases, each varied one input at a time over its interesting values, and over dates."""
    bases = [(c.on, dict(c.inputs)) for c in policy.cases if c.on is not None]
    dates = {v.start for p in policy.parameters for v in p.values}
    dates |= {d - dt.timedelta(days=1) for d in dates}
    rows = list(bases)
    for on, inputs in bases:
        for field in policy.inputs:
            for value in interesting_values(policy, field):
                rows.append((on, {**inputs, field.name: value}))
        for day in sorted(dates):
            rows.append((day, inputs))
    return rows


def all_rows(policy: Policy) -> list[tuple[dt.date, dict]]:
    unique: dict = {}
    for on, inputs in table_rows(policy) + derived_rows(policy):
        unique.setdefault((on, tuple(sorted((k, str(v)) for k, v in inputs.items()))), (on, inputs))
    return list(unique.values())


# -- the engine -----------------------------------------------------------------------------------


def load_engine(path: Path):
    engine = pyDMNrules.DMN()
    status = engine.useXML(path.read_text(encoding="utf-8"))
    assert not status.get("errors"), f"{path.name}: {status['errors'][:3]}"
    return engine


def engine_result(engine, policy: Policy, on: dt.date, typed: dict):
    data = {
        name: float(value) if isinstance(value, Decimal) else value for name, value in typed.items()
    }
    data[date_input_name(policy)] = on
    status, results = engine.decide(data)
    if status.get("errors") or not results:
        return None, status.get("errors", [])
    last = results[-1] if isinstance(results, list) else results
    return last["Result"], []


def exact(value: float) -> Decimal:
    return Decimal(repr(value))


def on_rounding_edge(exact_value: Decimal, places: int, mode: str) -> bool:
    """ratebook's exact value lies exactly where rounding jumps: half-way between two steps of
    the last place (half_up, half_even), or on a step itself (down, up). A binary float a hair
    off such a point rounds to the neighbouring step."""
    scaled = exact_value * (Decimal(10) ** places)
    fraction = scaled - scaled.to_integral_value(rounding="ROUND_FLOOR")
    return fraction == (Decimal("0.5") if mode.startswith("half") else 0)


class Tally:
    def __init__(self):
        self.compared = self.refused_by_both = self.check_refusals = self.float_ties = (
            self.skipped
        ) = 0
        self.problems: list[str] = []


def compare_row(
    engine, policy: Policy, unrounded_policy: Policy, on: dt.date, inputs: dict, tally: Tally
) -> None:
    label = f"{policy.id} on {on}: {inputs}"
    try:
        typed = read_inputs(policy, inputs)
    except rt.InvalidCase:
        tally.skipped += (
            1  # an input ratebook refuses by type or bound: DMN does not validate inputs
        )
        return
    try:
        want = evaluate(policy, inputs, on)
        unrounded = evaluate(unrounded_policy, inputs, on)
    except rt.NotInForce:
        result, _ = engine_result(engine, policy, on, typed)
        outputs = [result.get(o.name) for o in policy.outputs] if result else []
        if any(v is not None for v in outputs):
            tally.problems.append(f"{label}: not in force for ratebook, the engine gives {outputs}")
        else:
            tally.refused_by_both += 1
        return
    except rt.InvalidCase:
        result, errors = engine_result(engine, policy, on, typed)
        checks = {k: v for k, v in (result or {}).items() if k.startswith("check_")}
        if checks and any(v is False for v in checks.values()):
            tally.check_refusals += 1
        else:
            tally.problems.append(
                f"{label}: ratebook refuses the case by a check; the engine's checks say {checks} {errors[:1]}"
            )
        return
    except rt.EvaluationError:
        tally.skipped += 1
        return
    result, errors = engine_result(engine, policy, on, typed)
    if result is None:
        tally.problems.append(f"{label}: the engine gives no result: {errors[:2]}")
        return
    for output in policy.outputs:
        got, expected = result.get(output.name), want[output.name]
        if output.type == "boolean":
            ok = got is expected
        elif output.places is None:
            ok = got is not None and exact(got) == Decimal(expected)
        else:
            raw = result.get(f"{output.name}_unrounded")
            exact_value = unrounded[output.name]
            close = raw is not None and abs(exact(raw) - exact_value) <= Decimal("1e-9") * max(
                1, abs(exact_value)
            )
            if not close:
                tally.problems.append(
                    f"{label}: {output.name} unrounded: ratebook {exact_value}, engine {raw}"
                )
                continue
            ok = got is not None and exact(got) == expected
            if (
                not ok
                and on_rounding_edge(exact_value, output.places, output.mode)
                and abs(exact(got) - expected) == Decimal(10) ** -output.places
            ):
                tally.float_ties += 1
                ok = True
        if not ok:
            tally.problems.append(f"{label}: {output.name}: ratebook {expected}, engine {got}")
    tally.compared += 1


def unrounded_copy(policy: Policy) -> Policy:
    """The same policy with no rounding on number outputs: ratebook's exact values."""
    outputs = tuple(replace(o, places=None) if o.type == "number" else o for o in policy.outputs)
    return replace(policy, outputs=outputs)


POLICY_IDS = sorted(
    {
        ".".join(path.relative_to(ROOT / "policies").with_suffix("").parts)
        for path in source_files(ROOT)
    }
)


@pytest.mark.parametrize("policy_id", POLICY_IDS)
def test_the_independent_dmn_engine_gives_ratebooks_outputs_on_every_row(
    policy_id, project, published, capsys
):
    policy = project.policy(policy_id)
    engine = load_engine(published / "dmn" / f"{policy_id}.dmn")
    tally = Tally()
    unrounded_policy = unrounded_copy(policy)
    for on, inputs in all_rows(policy):
        compare_row(engine, policy, unrounded_policy, on, inputs, tally)
    with capsys.disabled():
        print(
            f"\n  {policy_id}: {tally.compared} rows agree, {tally.refused_by_both} not in force for both, "
            f"{tally.check_refusals} refused by a check in both, {tally.float_ties} binary-float rounding edges, "
            f"{tally.skipped} with inputs DMN does not validate",
            end="",
        )
    assert not tally.problems, "\n".join(tally.problems[:20])
    assert tally.compared >= MINIMUM_ROWS_PER_POLICY


def test_every_shipped_policy_is_compared(project):
    assert POLICY_IDS == sorted(p.id for p in project.policies)


def test_every_published_dmn_file_is_valid_dmn_1_3_by_the_omg_xml_schema(published):
    import importlib

    from lxml import etree

    spiff = importlib.import_module(
        "SpiffWorkflow.dmn.parser.BpmnDmnParser"
    )  # ships the OMG XSD files
    schema = etree.XMLSchema(
        etree.parse(spiff.SCHEMAS["https://www.omg.org/spec/DMN/20191111/MODEL/"])
    )
    files = sorted((published / "dmn").glob("*.dmn"))
    assert len(files) == len(POLICY_IDS)
    for path in files:
        assert schema.validate(etree.parse(str(path))), (
            f"{path.name}: {[str(e) for e in schema.error_log][:3]}"
        )


def variant(policy: Policy, formula: str = "", **output_changes) -> Policy:
    """The policy with its (first) formula or output changed: paths the shipped policies do not take."""
    from generator.formula.syntax import parse

    formulas = policy.formulas
    if formula:
        formulas = (replace(formulas[0], text=formula, tree=parse(formula)),) + formulas[1:]
    outputs = (replace(policy.outputs[0], **output_changes),) + policy.outputs[1:]
    return replace(policy, formulas=formulas, outputs=outputs)


def agreement(policy: Policy) -> Tally:
    from generator.publish.dmn.decisions import build_dmn

    engine = pyDMNrules.DMN()
    text, _ = build_dmn(policy)
    assert not engine.useXML(text).get("errors")
    tally = Tally()
    for on, inputs in derived_rows(policy):
        compare_row(engine, policy, unrounded_copy(policy), on, inputs, tally)
    return tally


@pytest.mark.parametrize("mode", ["half_even", "down", "up"])
def test_every_rounding_mode_is_published_so_the_engine_rounds_as_ratebook(project, mode):
    policy = variant(project.policy("platform.coordinator_subsidy"), places=1, mode=mode)
    tally = agreement(policy)
    assert not tally.problems, "\n".join(tally.problems[:10])
    assert tally.compared >= MINIMUM_ROWS_PER_POLICY


@pytest.mark.parametrize(
    "policy_id, formula",
    [
        (
            "platform.staffing",
            'if level = "township" then (if registered_population > 20000 then 5 else '
            "ceil(registered_population * staff_per_10000 / 10000)) else scale(village_staff, registered_population)",
        ),
        (
            "platform.coordinator_subsidy",
            "round(min_monthly_wage * post_subsidy_rate, 1) * coordinators * months",
        ),
        (
            "platform.coordinator_eligibility",
            '"college" < education and not (age > max_age) and computer_skills',
        ),
        (
            "platform.construction_subsidy",
            "scale(subsidy_by_area, service_area_m2 * 2) - min(service_area_m2, 10)",
        ),
    ],
)
def test_nested_choices_rounding_reversed_enum_comparisons_and_computed_scale_inputs_agree(
    project, policy_id, formula
):
    tally = agreement(variant(project.policy(policy_id), formula))
    assert not tally.problems, "\n".join(tally.problems[:10])
    assert tally.compared >= MINIMUM_ROWS_PER_POLICY


def test_a_formula_dmn_cannot_state_is_left_out_and_listed_with_the_reason(project):
    from generator.publish.dmn.decisions import build_dmn
    from generator.publish.manifest import gap_record

    policy = variant(
        project.policy("platform.coordinator_eligibility"),
        "education >= education and computer_skills",
    )
    text, gaps = build_dmn(policy)
    gaps = [gap_record(g) for g in gaps]
    assert 'name="eligible"' not in text
    assert {
        "what": "formula eligible",
        "reason": "not in the DMN: it compares two ordered enum values by rank, which FEEL cannot",
    } in gaps
