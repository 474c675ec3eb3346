"""Large rule books and long case files give what small ones give.

- A marginal scale of 1,200 brackets, a whole-amount scale of 1,000 and a table of 2,000 keys
  (made up by tests/made_projects.py, not shipped values): the interpreter, the generated
  module's one-case `evaluate` (which finds a bracket by bisection and a key in a dict) and
  its `evaluate_batch` agree on every bracket edge, just around it, on random amounts and on
  every key; the marginal totals are checked against sums worked here bracket by bracket.
- `ratebook diff --cases` reads a case file chunk by chunk (by Arrow when the CSV is plain,
  cell by cell otherwise) and gives, with chunks far smaller than the file, the same report
  as evaluating the whole list of cases one by one (`impact.case_impact`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pytest

from generator import runtime as rt
from generator.checks.project import load_project
from generator.compile.python_module import emit_module
from generator.core.findings import RatebookError
from generator.evaluate.interpreter import evaluate as interpret
from generator.evaluate.modules import module_from_text
from generator.regress.arrow_cases import is_plain_csv
from generator.regress.case_files import read_cases
from generator.regress.diff import compare
from generator.regress.impact import case_impact, file_cases
from generator.regress.report import markdown, terminal_lines

from . import made_projects as made

ON = dt.date(2020, 6, 1)
BRACKETS = 1200
WHOLE = 1000
KEYS = 2000


def _rate(i: int) -> str:
    return f"{(i * 7) % 61 + 1}.5%"


def _big_policy(keys: int) -> str:
    return made.policy(
        "demo.big",
        {
            "code": f"{{type: enum, values: {made.codes(keys)}}}",
            "cost": made.COST,
            "people": "{type: integer, unit: person, min: 0}",
        },
        {"paid": made.MONEY, "staff": made.MONEY, "shared": made.MONEY},
        [
            made.marginal_scale("long_scale", BRACKETS, 250, _rate, "70%"),
            made.whole_amount_scale("steps", WHOLE, 100),
            made.table("share", "code", keys),
        ],
        {
            "paid": "scale(long_scale, cost)",
            "staff": "scale(steps, people)",
            "shared": "cost * table(share, code)",
        },
        title="A large made-up rule book",
    )


def _load(root: Path, keys: int):
    project = load_project(made.write_project(root, {"big": _big_policy(keys)}))
    assert not project.findings.errors, project.findings.errors
    policy = project.policy("demo.big")
    return policy, module_from_text(emit_module(policy), f"ratebook_test_big_{keys}")


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    return _load(tmp_path_factory.mktemp("big"), KEYS)


def _marginal_by_hand(x: Decimal) -> Decimal:
    """Bracket by bracket, as RULES.md reads a marginal scale: each part at its own rate."""
    total = Decimal(0)
    for i in range(BRACKETS):
        low = Decimal(i * 250)
        high = Decimal((i + 1) * 250) if i < BRACKETS - 1 else None
        rate = Decimal(_rate(i)[:-1]) / 100 if i < BRACKETS - 1 else Decimal("0.7")
        if x <= low:
            break
        top = x if high is None or x < high else high
        total += (top - low) * rate
    return total


def _cases(count: int, seed: int, keys: int) -> list[dict]:
    pick = random.Random(seed)
    cases = []
    for n in range(count):
        edge = pick.randrange(BRACKETS + 1) * 250
        cost = Decimal(edge) + pick.choice([Decimal("-0.01"), 0, Decimal("0.01"), Decimal("0.005")])
        if n % 3 == 0:
            cost = Decimal(pick.randrange(0, 400_000_00)) / 100
        people = pick.randrange(WHOLE + 1) * 100 + pick.choice([-1, 0, 1])
        cases.append(
            {
                "code": f"k{pick.randrange(keys)}",
                "cost": str(max(cost, Decimal(0))),
                "people": max(people, 0),
            }
        )
    return cases


def test_a_long_marginal_scale_gives_the_sum_of_its_parts(big):
    policy, module = big
    for x in ("0", "249.99", "250", "250.01", "149999.99", "299750", "299750.01", "1000000"):
        expected = rt.round_to(_marginal_by_hand(Decimal(x)), 2)
        case = {"code": "k0", "cost": x, "people": 0}
        assert module.evaluate(case, ON)["paid"] == expected
        assert interpret(policy, case, ON)["paid"] == expected


def test_one_case_and_interpreter_agree_on_a_large_scale_and_table(big):
    policy, module = big
    for case in _cases(1500, seed=13, keys=KEYS):
        assert module.evaluate(dict(case), ON) == interpret(policy, dict(case), ON), case


def test_one_case_and_batch_agree_on_a_large_scale_and_table(big):
    policy, module = big
    cases = _cases(1500, seed=14, keys=KEYS)
    columns = {name: [c[name] for c in cases] for name in ("code", "cost", "people")}
    result = module.evaluate_batch(columns, ON)
    assert result.valid.all(), result.errors[:3]
    for i, case in enumerate(cases):
        one = module.evaluate(dict(case), ON)
        assert one == interpret(policy, dict(case), ON), case
        for name, value in one.items():
            batch = Decimal(int(result.outputs[name][i])).scaleb(-result.places[name])
            assert batch == value, (case, name)


def test_a_bracket_edge_of_a_whole_amount_scale_takes_the_bracket_it_opens(big):
    policy, module = big
    below = module.evaluate({"code": "k5", "cost": "0", "people": 49_999}, ON)
    at = module.evaluate({"code": "k5", "cost": "0", "people": 50_000}, ON)
    assert below["staff"] == Decimal(made.step_amount(499))  # at least 49,900, below 50,000
    assert at["staff"] == Decimal(made.step_amount(500))  # at least 50,000
    last = module.evaluate({"code": "k5", "cost": "0", "people": 10**6}, ON)
    assert last["staff"] == Decimal(5000)


def test_every_key_of_a_large_table_is_found(big):
    policy, module = big
    for i in range(KEYS):
        expected = Decimal(made.key_rate(i)[:-1])  # 100 yuan × the key's percentage
        case = {"code": f"k{i}", "cost": "100", "people": 0}
        assert module.evaluate(case, ON)["shared"] == expected
        assert interpret(policy, case, ON)["shared"] == expected


def test_every_key_of_a_table_is_found_in_a_batch(big):
    policy, module = big
    codes = [f"k{i}" for i in range(KEYS)]
    result = module.evaluate_batch(
        {"code": codes, "cost": ["100"] * KEYS, "people": [0] * KEYS}, ON
    )
    for i in range(KEYS):
        assert Decimal(int(result.outputs["shared"][i])).scaleb(-2) == Decimal(
            made.key_rate(i)[:-1]
        )


def test_a_code_not_in_the_table_is_refused_with_the_one_case_words(big):
    policy, module = big
    with pytest.raises(rt.InvalidCase) as one:
        module.evaluate({"code": "k20000", "cost": "1", "people": 0}, ON)
    with pytest.raises(rt.InvalidCase) as reference:
        interpret(policy, {"code": "k20000", "cost": "1", "people": 0}, ON)
    assert str(one.value) == str(reference.value)


# -- diff --cases, streamed -------------------------------------------------------------------


def _project(root: Path, rate: str, start: str, limit: str) -> Path:
    return made.write_project(root, {"copay": made.copay_policy("copay", rate, start, limit)})


@pytest.fixture
def versions(tmp_path):
    base = _project(tmp_path / "base", "20%", "2012-01-01", "100")
    head = _project(tmp_path / "head", "25%", "2012-03-01", "120")
    return base, head


def _rows(count: int, seed: int) -> list[list[str]]:
    pick = random.Random(seed)
    rows = []
    for n in range(count):
        on = pick.choice(["2012-06-01", "2012-02-01", "2012-06-01", "2012-06-01"])
        scheme = pick.choice(
            ["employee", "resident", "employee", "farmer" if n % 37 == 0 else "resident"]
        )
        cost = pick.choice(
            [str(pick.randrange(0, 2_000_000) / 100), "5000", "110", "-5", "abc"][
                : 2 + (n % 11 == 0) * 3
            ]
        )
        member = pick.choice(["", "", "true", "false"])
        name = f"case {n}" if n % 5 == 0 else ""
        rows.append([on, scheme, cost, member, name])
    return rows


def _write(path: Path, rows, quoted: bool = False) -> Path:
    lines = ["policy,on,in:scheme,in:cost,in:member,case"]
    for on, scheme, cost, member, name in rows:
        name = f'"{name}"' if quoted and name else name
        lines.append(f"demo.copay,{on},{scheme},{cost},{member},{name}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _reference(base: Path, head: Path, cases: Path):
    old, new = load_project(base), load_project(head)
    specs, problems = read_cases([cases], cases.parent, policies=new.policies)
    assert not problems
    return case_impact(old.policies, new.policies, file_cases(specs), str(cases))


def _same_report(report, reference) -> None:
    impact = report.impact
    assert impact.cases == reference.cases
    assert impact.compared == reference.compared
    assert impact.counts() == reference.counts()
    assert [
        (u.case, u.reason, u.base, u.new) for _, items in impact.by_reason() for u in items
    ] == [(u.case, u.reason, u.base, u.new) for _, items in reference.by_reason() for u in items]
    ours = [
        (o.output, o.cases, o.compared, o.changed, o.up, o.down)
        for p in impact.policies
        for o in p.outputs
    ]
    theirs = [
        (o.output, o.cases, o.compared, o.changed, o.up, o.down)
        for p in reference.policies
        for o in p.outputs
    ]
    assert ours == theirs
    for mine, other in zip(
        [o for p in impact.policies for o in p.outputs],
        [o for p in reference.policies for o in p.outputs],
        strict=True,
    ):
        for stat in ("min", "median", "max", "total"):
            got, expected = mine.stat(stat), other.stat(stat)
            assert got == expected and str(got) == str(expected), (mine.output, stat)
        assert mine.listed == other.listed
        assert mine.changes == len(other.listed)


@pytest.mark.parametrize("quoted", [False, True], ids=["plain csv (Arrow)", "quoted csv (cells)"])
def test_diff_of_a_file_many_chunks_long_gives_the_report_of_one_by_one(versions, tmp_path, quoted):
    base, head = versions
    cases = _write(tmp_path / "cases.csv", _rows(700, seed=3), quoted=quoted)
    assert is_plain_csv(cases) is not quoted  # read by Arrow, or cell by cell
    report = compare(head, str(base), [cases], cwd=tmp_path, chunk_rows=64)
    reference = _reference(base, head, cases)
    _same_report(report, reference)
    # every row is accounted for, and the reports read the same
    assert report.impact.compared + sum(n for _, n in report.impact.counts()) == 700
    whole = dataclasses.replace(report, impact=reference)
    assert markdown(report) == markdown(whole)
    assert terminal_lines(report) == terminal_lines(whole)


def test_diff_of_one_chunk_and_of_many_chunks_agree(versions, tmp_path):
    base, head = versions
    cases = _write(tmp_path / "cases.csv", _rows(300, seed=8))
    small = compare(head, str(base), [cases], cwd=tmp_path, chunk_rows=7)
    whole = compare(head, str(base), [cases], cwd=tmp_path, chunk_rows=100_000)
    assert markdown(small) == markdown(whole)


def test_a_bad_date_deep_in_a_long_file_stops_the_diff_with_its_line(versions, tmp_path):
    base, head = versions
    rows = _rows(300, seed=5)
    rows[250][0] = "2012-02-30"
    cases = _write(tmp_path / "cases.csv", rows)
    with pytest.raises(RatebookError) as error:
        compare(head, str(base), [cases], cwd=tmp_path, chunk_rows=16)
    assert [str(f.location) for f in error.value.findings][:1] == ["cases.csv:252"]


def test_a_line_of_fewer_cells_than_the_header_is_read_as_case_files_reads_it(versions, tmp_path):
    base, head = versions
    cases = _write(tmp_path / "cases.csv", _rows(200, seed=11))
    text = cases.read_text(encoding="utf-8") + "demo.copay,2012-06-01,employee,7000\n"
    cases.write_text(text, encoding="utf-8")
    report = compare(head, str(base), [cases], cwd=tmp_path, chunk_rows=16)
    reference = _reference(base, head, cases)
    _same_report(report, reference)
    assert report.impact.cases == 201
