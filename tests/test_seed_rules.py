"""The seeds' rules: hand-computed cases from ../shared/RULES.md against the shipped policies.

This is the one place where tests depend on the shipped policies' values (marker
`seed_rules`): each case cites its rule in RULES.md and the seed's clause, and runs through
both the generated module and the interpreter. They are written here independently of the
cases inside the policy files, so a policy file that drifts from the rules fails here even if
its own examples were edited too. When the law changes, update these cases together with the
policy. Every other test reads its own fixtures (see tests/conftest.py).

They read the project at `--project-root` (default: this repository).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from generator import runtime as rt
from generator.checks.project import load_project
from generator.evaluate.interpreter import evaluate as interpret
from generator.evaluate.modules import load_policy_module

from . import conftest

pytestmark = pytest.mark.seed_rules

# The rule of RULES.md each shipped policy encodes, with its seed and clause.
RULES = {
    "medical.secondary_compensation": "M4 (employee) / M5 (resident), seed 000, measure 5",
    "medical.resident_inpatient": "M1, M2, seed 000, measure 4",
    "medical.resident_outpatient_special": "M3, seed 000, measure 4",
    "pension.retiree_adjustment_2012": "P3, seed 000, measure 3",
    "pension.resident_basic": "P1, seed 000, measures 1 and 7",
    "pension.death_benefits": "P7, P8, seed 000, measure 8",
    "unemployment.benefit": "U1, U2, seed 000, measure 6",
    "platform.construction_subsidy": "T5, seed 002, 四(一)",
    "platform.staffing": "T1, T2, seed 002, 三(二)",
    "platform.coordinator_subsidy": "T6, seed 002, 四(二)1",
    "platform.coordinator_eligibility": "T3, seed 002, 三(二)",
    "platform.performance_reward": "T7, seed 002, 四(二)2",
    "pension.rehab_staff_subsidy": "P6, seed 001, 11",
}


def rule(policy_id: str, case: dict) -> str:
    """The rule and clause a case checks: 'M4, seed 000, measure 5'."""
    cited = RULES[policy_id]
    if policy_id == "medical.secondary_compensation":
        number = "M4" if case.get("scheme") == "employee" else "M5"
        return number + cited[cited.index(",") :]
    return cited


@pytest.fixture(scope="module")
def project():
    """The shipped project (at --project-root), loaded once."""
    loaded = load_project(conftest.PROJECT_ROOT)
    assert loaded.ok, "\n".join(str(f) for f in loaded.findings.errors)
    return loaded


@pytest.fixture(scope="module")
def generated():
    """The shipped project's generated modules, by policy id."""
    cache: dict = {}

    def get(policy_id: str):
        if policy_id not in cache:
            cache[policy_id] = load_policy_module(conftest.PROJECT_ROOT / "generated", policy_id)
        return cache[policy_id]

    return get


D = Decimal
JUN_2012 = dt.date(2012, 6, 1)
SEP_2012 = dt.date(2012, 9, 1)
Y_2024 = dt.date(2024, 6, 1)

# (policy, inputs, on, expected outputs, why)
HAND_COMPUTED = [
    # M4 employee segments
    (
        "medical.secondary_compensation",
        {"scheme": "employee", "out_of_pocket": "35000"},
        JUN_2012,
        {"compensation": D("5000.00")},
        "RULES.md example: 10000×30% + 5000×40%",
    ),
    (
        "medical.secondary_compensation",
        {"scheme": "employee", "out_of_pocket": "20000"},
        JUN_2012,
        {"compensation": D("0.00")},
        "not above 20,000",
    ),
    (
        "medical.secondary_compensation",
        {"scheme": "employee", "out_of_pocket": "20000.01"},
        JUN_2012,
        {"compensation": D("0.00")},
        "0.01×30% = 0.003 → 0.00 half-up",
    ),
    (
        "medical.secondary_compensation",
        {"scheme": "employee", "out_of_pocket": "20000.02"},
        JUN_2012,
        {"compensation": D("0.01")},
        "0.02×30% = 0.006 → 0.01",
    ),
    (
        "medical.secondary_compensation",
        {"scheme": "employee", "out_of_pocket": "30000"},
        JUN_2012,
        {"compensation": D("3000.00")},
        "10000×30%",
    ),
    (
        "medical.secondary_compensation",
        {"scheme": "employee", "out_of_pocket": "50000"},
        JUN_2012,
        {"compensation": D("11000.00")},
        "3000 + 20000×40%",
    ),
    (
        "medical.secondary_compensation",
        {"scheme": "employee", "out_of_pocket": "80000"},
        JUN_2012,
        {"compensation": D("26000.00")},
        "11000 + 30000×50%",
    ),
    # M5 resident segments
    (
        "medical.secondary_compensation",
        {"scheme": "resident", "out_of_pocket": "10000"},
        JUN_2012,
        {"compensation": D("0.00")},
        "not above 10,000",
    ),
    (
        "medical.secondary_compensation",
        {"scheme": "resident", "out_of_pocket": "35000"},
        JUN_2012,
        {"compensation": D("10500.00")},
        "20000×40% + 5000×50%",
    ),
    (
        "medical.secondary_compensation",
        {"scheme": "resident", "out_of_pocket": "60000"},
        JUN_2012,
        {"compensation": D("24000.00")},
        "8000 + 10000 + 10000×60%",
    ),
    # M1/M2
    (
        "medical.resident_inpatient",
        {"hospital_level": "1", "eligible_cost": "10000"},
        JUN_2012,
        {"reimbursement": D("8000.00")},
        "80%",
    ),
    (
        "medical.resident_inpatient",
        {"hospital_level": 2, "eligible_cost": "10000"},
        JUN_2012,
        {"reimbursement": D("7000.00")},
        "70%",
    ),
    (
        "medical.resident_inpatient",
        {"hospital_level": 3, "eligible_cost": "333.33"},
        JUN_2012,
        {"reimbursement": D("200.00")},
        "333.33×60% = 199.998 → 200.00",
    ),
    (
        "medical.resident_inpatient",
        {"hospital_level": 1, "eligible_cost": "300000", "fund_paid_this_year": "0"},
        JUN_2012,
        {"reimbursement": D("200000.00")},
        "240000 capped at 200,000",
    ),
    (
        "medical.resident_inpatient",
        {"hospital_level": 1, "eligible_cost": "10000", "fund_paid_this_year": "195000"},
        JUN_2012,
        {"reimbursement": D("5000.00")},
        "only 5,000 of the cap left",
    ),
    (
        "medical.resident_inpatient",
        {"hospital_level": 1, "eligible_cost": "10000", "fund_paid_this_year": "250000"},
        JUN_2012,
        {"reimbursement": D("0.00")},
        "cap already exceeded: nothing, never negative",
    ),
    # M3
    (
        "medical.resident_outpatient_special",
        {"disease": "haemophilia", "eligible_cost_this_year": "400"},
        JUN_2012,
        {"subsidy": D("0.00")},
        "at the deductible",
    ),
    (
        "medical.resident_outpatient_special",
        {"disease": "schizophrenia", "eligible_cost_this_year": "1000"},
        JUN_2012,
        {"subsidy": D("300.00")},
        "(1000−400)×50%",
    ),
    (
        "medical.resident_outpatient_special",
        {"disease": "aplastic_anaemia", "eligible_cost_this_year": "3400"},
        JUN_2012,
        {"subsidy": D("1500.00")},
        "exactly the cap",
    ),
    (
        "medical.resident_outpatient_special",
        {"disease": "chronic_hepatitis", "eligible_cost_this_year": "10000"},
        JUN_2012,
        {"subsidy": D("1500.00")},
        "capped",
    ),
    # P3
    (
        "pension.retiree_adjustment_2012",
        {"monthly_pension": "1000"},
        JUN_2012,
        {"increase": D("190.00")},
        "100 < 190: raised to 190",
    ),
    (
        "pension.retiree_adjustment_2012",
        {"monthly_pension": "1900"},
        JUN_2012,
        {"increase": D("190.00")},
        "exactly 190",
    ),
    (
        "pension.retiree_adjustment_2012",
        {"monthly_pension": "2500"},
        JUN_2012,
        {"increase": D("250.00")},
        "10%",
    ),
    (
        "pension.retiree_adjustment_2012",
        {"monthly_pension": "2345.65"},
        JUN_2012,
        {"increase": D("234.57")},
        "234.565 → 234.57 half-up",
    ),
    # P1
    (
        "pension.resident_basic",
        {"age": "60"},
        dt.date(2011, 12, 31),
        {"monthly_basic_pension": D("60.00")},
        "before the raise",
    ),
    (
        "pension.resident_basic",
        {"age": "60"},
        dt.date(2012, 1, 1),
        {"monthly_basic_pension": D("70.00")},
        "from 2012-01-01",
    ),
    (
        "pension.resident_basic",
        {"age": "59"},
        dt.date(2012, 1, 1),
        {"monthly_basic_pension": D("0.00")},
        "under 60",
    ),
    # P7/P8
    (
        "pension.death_benefits",
        {"cause": "illness"},
        dt.date(2012, 2, 29),
        {"funeral_grant": D("5200.00"), "survivor_lump_sum": D("5200.00")},
        "old amounts",
    ),
    (
        "pension.death_benefits",
        {"cause": "non_work_injury"},
        dt.date(2012, 3, 1),
        {"funeral_grant": D("6000.00"), "survivor_lump_sum": D("15000.00")},
        "new amounts",
    ),
    # U1/U2
    (
        "unemployment.benefit",
        {"min_living_standard": "300", "min_wage": "1100"},
        dt.date(2012, 7, 1),
        {"monthly_benefit": D("520.00")},
        "520 inside [390, 1100]",
    ),
    (
        "unemployment.benefit",
        {"min_living_standard": "450", "min_wage": "1100"},
        dt.date(2012, 7, 1),
        {"monthly_benefit": D("585.00")},
        "raised to 1.3×450",
    ),
    (
        "unemployment.benefit",
        {"min_living_standard": "300", "min_wage": "500"},
        dt.date(2012, 7, 1),
        {"monthly_benefit": D("500.00")},
        "capped at the minimum wage",
    ),
    # T5 — boundaries go to the higher tier
    (
        "platform.construction_subsidy",
        {"service_area_m2": "99.99"},
        SEP_2012,
        {"subsidy": D("60000.00")},
        "below 100",
    ),
    (
        "platform.construction_subsidy",
        {"service_area_m2": "100"},
        SEP_2012,
        {"subsidy": D("80000.00")},
        "100 以上",
    ),
    (
        "platform.construction_subsidy",
        {"service_area_m2": "199.99"},
        SEP_2012,
        {"subsidy": D("80000.00")},
        "below 200",
    ),
    (
        "platform.construction_subsidy",
        {"service_area_m2": "200"},
        SEP_2012,
        {"subsidy": D("100000.00")},
        "200 以上",
    ),
    # T1/T2
    (
        "platform.staffing",
        {"level": "township", "registered_population": "20000"},
        SEP_2012,
        {"min_staff": 3},
        "2×1.5",
    ),
    (
        "platform.staffing",
        {"level": "township", "registered_population": "25000"},
        SEP_2012,
        {"min_staff": 4},
        "3.75 rounded up",
    ),
    (
        "platform.staffing",
        {"level": "village", "registered_population": "2999"},
        SEP_2012,
        {"min_staff": 1},
        "below 3000",
    ),
    (
        "platform.staffing",
        {"level": "village", "registered_population": "3000"},
        SEP_2012,
        {"min_staff": 2},
        "3000 以上",
    ),
    # T6
    (
        "platform.coordinator_subsidy",
        {"min_monthly_wage": "1310", "coordinators": "2", "months": "12"},
        SEP_2012,
        {"post_subsidy": D("47160.00")},
        "1310×150%×2×12",
    ),
    # T3
    (
        "platform.coordinator_eligibility",
        {"age": "35", "education": "college", "computer_skills": "true"},
        SEP_2012,
        {"eligible": True},
        "35 以下 includes 35; 大专以上 includes college",
    ),
    (
        "platform.coordinator_eligibility",
        {"age": "36", "education": "doctor", "computer_skills": "true"},
        SEP_2012,
        {"eligible": False},
        "too old",
    ),
    (
        "platform.coordinator_eligibility",
        {"age": "30", "education": "high_school", "computer_skills": "true"},
        SEP_2012,
        {"eligible": False},
        "below college",
    ),
    (
        "platform.coordinator_eligibility",
        {"age": "30", "education": "bachelor", "computer_skills": "false"},
        SEP_2012,
        {"eligible": False},
        "no computer skills",
    ),
    # T7 — the multiple is the officer's input (the later rule sets it); capped at the pay
    (
        "platform.performance_reward",
        {"reward_multiple": "2", "min_monthly_wage": "1310", "actual_pay": "3000"},
        SEP_2012,
        {"reward": D("2620.00")},
        "2×1310 below the pay",
    ),
    (
        "platform.performance_reward",
        {"reward_multiple": "3", "min_monthly_wage": "1310", "actual_pay": "3500"},
        SEP_2012,
        {"reward": D("3500.00")},
        "3×1310=3930 capped at the pay 3500 (最高不突破)",
    ),
    # P6
    (
        "pension.rehab_staff_subsidy",
        {"min_contribution_base": "3000", "employer_rate": "0.16"},
        Y_2024,
        {"subsidy": D("240.00")},
        "3000×16%×50%",
    ),
]


@pytest.mark.parametrize(
    "policy_id, case, on, expected, why",
    HAND_COMPUTED,
    ids=[f"{c[0]} {c[4]} ({rule(c[0], c[1])})" for c in HAND_COMPUTED],
)
def test_the_generated_module_and_the_interpreter_give_the_hand_computed_result(
    project, generated, policy_id, case, on, expected, why
):
    cited = f"{rule(policy_id, case)}: {why}"
    assert generated(policy_id).evaluate(case, on) == expected, cited
    assert interpret(project.policy(policy_id), case, on) == expected, cited


def test_every_policy_of_the_published_contract_is_shipped(project):
    contract = {
        "medical.secondary_compensation": (["scheme", "out_of_pocket"], ["compensation"]),
        "medical.resident_inpatient": (
            ["hospital_level", "eligible_cost", "fund_paid_this_year"],
            ["reimbursement"],
        ),
        "medical.resident_outpatient_special": (
            ["disease", "eligible_cost_this_year"],
            ["subsidy"],
        ),
        "pension.retiree_adjustment_2012": (["monthly_pension"], ["increase"]),
        "pension.resident_basic": (["age"], ["monthly_basic_pension"]),
        "pension.death_benefits": (["cause"], ["funeral_grant", "survivor_lump_sum"]),
        "unemployment.benefit": (["min_living_standard", "min_wage"], ["monthly_benefit"]),
        "platform.construction_subsidy": (["service_area_m2"], ["subsidy"]),
        "platform.staffing": (["level", "registered_population"], ["min_staff"]),
        "platform.coordinator_subsidy": (
            ["min_monthly_wage", "coordinators", "months"],
            ["post_subsidy"],
        ),
        "platform.coordinator_eligibility": (["age", "education", "computer_skills"], ["eligible"]),
        "platform.performance_reward": (
            ["reward_multiple", "min_monthly_wage", "actual_pay"],
            ["reward"],
        ),
        "pension.rehab_staff_subsidy": (["min_contribution_base", "employer_rate"], ["subsidy"]),
    }
    shipped = {
        p.id: ([f.name for f in p.inputs], [f.name for f in p.outputs]) for p in project.policies
    }
    assert shipped == contract


def test_the_enum_values_of_the_contract_are_exact(project):
    assert project.policy("medical.resident_inpatient").input("hospital_level").values == (1, 2, 3)
    assert project.policy("platform.coordinator_eligibility").input("education").values == (
        "below_high_school",
        "high_school",
        "college",
        "bachelor",
        "master",
        "doctor",
    )
    assert project.policy("platform.coordinator_eligibility").input("education").ordered
    assert project.policy("pension.death_benefits").input("cause").values == (
        "illness",
        "non_work_injury",
    )


@pytest.mark.parametrize(
    "policy_id, case, on, first",
    [
        (
            "medical.secondary_compensation",
            {"scheme": "employee", "out_of_pocket": "35000"},
            dt.date(2010, 12, 31),
            "2011-01-01",
        ),
        (
            "unemployment.benefit",
            {"min_living_standard": "300", "min_wage": "1100"},
            dt.date(2012, 6, 30),
            "2012-07-01",
        ),
        (
            "platform.construction_subsidy",
            {"service_area_m2": "150"},
            dt.date(2012, 8, 13),
            "2012-08-14",
        ),
        ("pension.resident_basic", {"age": "65"}, dt.date(2010, 12, 31), "2011-01-01"),
    ],
)
def test_a_date_before_the_first_value_is_not_in_force_not_zero(
    project, generated, policy_id, case, on, first
):
    for run in (
        lambda: generated(policy_id).evaluate(case, on),
        lambda: interpret(project.policy(policy_id), case, on),
    ):
        with pytest.raises(rt.NotInForce) as caught:
            run()
        assert first in str(caught.value)


@pytest.mark.parametrize(
    "policy_id, case, field, fragment",
    [
        (
            "medical.secondary_compensation",
            {"scheme": "farmer", "out_of_pocket": "1"},
            "scheme",
            "not one of: employee (职工, Employee), resident (居民, Resident)",
        ),
        (
            "medical.secondary_compensation",
            {"scheme": "employee", "out_of_pocket": "-1"},
            "out_of_pocket",
            "below the minimum 0",
        ),
        (
            "medical.secondary_compensation",
            {"scheme": "employee", "out_of_pocket": "abc"},
            "out_of_pocket",
            "not a number",
        ),
        ("medical.secondary_compensation", {"scheme": "employee"}, "out_of_pocket", "is required"),
        (
            "medical.secondary_compensation",
            {"scheme": "employee", "out_of_pocket": "1", "extra": "2"},
            "extra",
            "unknown field",
        ),
        (
            "medical.resident_inpatient",
            {"hospital_level": "4", "eligible_cost": "1"},
            "hospital_level",
            "not one of: 1 (一级医院, Level 1 hospital), 2 (二级医院, Level 2 hospital), 3",
        ),
        (
            "platform.staffing",
            {"level": "village", "registered_population": "2.5"},
            "registered_population",
            "not a whole number",
        ),
        (
            "platform.coordinator_eligibility",
            {"age": "30", "education": "college", "computer_skills": "maybe"},
            "computer_skills",
            "is not TRUE or FALSE",
        ),
        ("unemployment.benefit", {"min_living_standard": "500", "min_wage": "600"}, "", "1.3"),
    ],
)
def test_a_bad_case_is_rejected_naming_the_field(
    project, generated, policy_id, case, field, fragment
):
    for run in (
        lambda: generated(policy_id).evaluate(
            case, JUN_2012 if policy_id.startswith("medical") else SEP_2012
        ),
        lambda: interpret(
            project.policy(policy_id),
            case,
            JUN_2012 if policy_id.startswith("medical") else SEP_2012,
        ),
    ):
        with pytest.raises(rt.InvalidCase) as caught:
            run()
        assert any(f == field and fragment in m for f, m in caught.value.problems), (
            caught.value.problems
        )


def test_every_example_case_written_in_a_policy_holds_in_the_generated_module(project, generated):
    from generator.checks.rules import expected_value

    checked = 0
    for policy in project.policies:
        module = generated(policy.id)
        for case in policy.cases:
            result = module.evaluate(dict(case.inputs), case.on)
            for name, written in case.expected:
                assert result[name] == expected_value(policy.output(name), written), (
                    policy.id,
                    case.name,
                    name,
                )
                checked += 1
    assert checked >= 60


def test_t4_a_service_area_below_200_m2_is_computed_with_the_advice_beside_it(generated):
    """T4 (seed 002, 三(四)): 服务场地原则上不少于200平方米. 原则上: advice, not a refusal; 不少于
    includes 200. 150 m² still gets the 80000 of T5, with the advice; 200 m² gets none."""
    module = generated("platform.construction_subsidy")
    case = {"service_area_m2": "150"}
    outputs = module.evaluate(case, SEP_2012)
    assert outputs == {"subsidy": D("80000.00")}
    advice = module.advise(case, outputs)
    assert [(a.code, a.field, a.figure) for a in advice] == [
        ("service_area_below_standard", "service_area_m2", D("150"))
    ]
    assert advice[0].row[2:5] == ("at_least", "不少于", D("200")) and advice[0].row[6] == "三(四)"
    for area in ("200", "350"):
        case = {"service_area_m2": area}
        assert module.advise(case, module.evaluate(case, SEP_2012)) == []


def test_t7_the_reward_is_proved_never_above_the_actual_pay(project):
    """T7 (seed 002, 四(二)2): 最高不突破公益性岗位人员实际报酬, declared as a bounded property
    of platform.performance_reward and proved from the form of its formula."""
    notes = [
        str(f)
        for f in project.findings.sorted()
        if f.code == "proved" and f.location.file.endswith("performance_reward.yaml")
    ]
    assert len(notes) == 1 and "'reward is never above actual_pay'" in notes[0], notes
