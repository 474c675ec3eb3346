"""OpenFisca peer: the two benchmark rules written as an OpenFisca model would write them.

Why this exists: issue 5 compares ratebook's batch function with OpenFisca (openfisca-core
from PyPI) on the same cases. To make that a fair comparison, this module is a minimal but
idiomatic OpenFisca tax-benefit system, not a numpy shortcut:

- one person entity (``insured``), variables defined per YEAR, evaluated for period 2012;
- ``medical.secondary_compensation`` uses two real marginal-rate scale parameters
  (``ParameterScale`` → ``MarginalRateTaxScale.calc``), read from the YAML files in
  ``openfisca_params/`` (numbers copied from ``policies/medical/secondary_compensation.yaml``);
- ``medical.resident_inpatient`` uses a rate node keyed by the ``HospitalLevel`` enum
  (OpenFisca "fancy indexing": ``ratio_by_level[hospital_level]``) and a dated cap amount.

Money is float, as in every OpenFisca model: OpenFisca stores ``value_type = float``
variables as numpy ``float32``. ``float32`` cannot hold amounts above 131,072 yuan to the
fen (its step there is 1/64 yuan), so ``setup(precision="float64")`` swaps the stored dtype
of the float variables to ``float64`` (a change to the variable objects after loading, not
to OpenFisca itself) to show what is left when only the binary rounding remains. Rounding
to the fen is half up in float (``floor(x * 100 + 0.5) / 100``), the usual hand-written form.

Use (from the repository root)::

    from benchmarks.peers import openfisca_peer as of
    of.setup()                       # builds the tax-benefit system once (not timed)
    of.run_secondary(scheme_codes, out_of_pocket)          # float64 array of yuan
    of.run_inpatient(levels, cost, fund_paid)              # float64 array of yuan

Codes: ``scheme_codes`` 0 = employee, 1 = resident (the order of the policy's enum);
``levels`` 1, 2, 3 (hospital level). Each call builds one simulation for the whole vector,
sets the inputs for 2012 and calculates the output: that whole call is what is timed.
"""

from __future__ import annotations

import os

import numpy as np
from openfisca_core import periods
from openfisca_core.entities import build_entity
from openfisca_core.indexed_enums import Enum
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

PARAMETERS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "openfisca_params")
PERIOD = "2012"

Insured = build_entity(
    key="insured",
    plural="insureds",
    label="An insured person",
    is_person=True,
)


class Scheme(Enum):
    employee = "城镇职工医保 (urban employee medical insurance)"
    resident = "城镇居民医保 (urban resident medical insurance)"


class HospitalLevel(Enum):
    level_1 = "一级医院"
    level_2 = "二级医院"
    level_3 = "三级医院"


def _round_fen_half_up(amount: np.ndarray) -> np.ndarray:
    """Half-up to the fen in binary float: what a float model writes for 'round to 0.01'."""
    return np.floor(amount * 100.0 + 0.5) / 100.0


class scheme(Variable):
    value_type = Enum
    possible_values = Scheme
    default_value = Scheme.employee
    entity = Insured
    definition_period = periods.DateUnit.YEAR
    label = "Insurance scheme"


class out_of_pocket(Variable):
    value_type = float
    entity = Insured
    definition_period = periods.DateUnit.YEAR
    label = "In-scope out-of-pocket cost added up over the pooling year (yuan)"


class compensation(Variable):
    value_type = float
    entity = Insured
    definition_period = periods.DateUnit.YEAR
    label = "Secondary compensation for major-disease medical costs (yuan)"

    def formula(insured, period, parameters):
        cost = insured("out_of_pocket", period)
        chosen = insured("scheme", period)
        scales = parameters(period).medical.secondary_compensation
        amount = np.where(
            chosen == Scheme.employee,
            scales.employee_scale.calc(cost),
            scales.resident_scale.calc(cost),
        )
        return _round_fen_half_up(amount)


class hospital_level(Variable):
    value_type = Enum
    possible_values = HospitalLevel
    default_value = HospitalLevel.level_1
    entity = Insured
    definition_period = periods.DateUnit.YEAR
    label = "Hospital level"


class eligible_cost(Variable):
    value_type = float
    entity = Insured
    definition_period = periods.DateUnit.YEAR
    label = "In-scope inpatient medical cost (yuan)"


class fund_paid_this_year(Variable):
    value_type = float
    entity = Insured
    definition_period = periods.DateUnit.YEAR
    label = "Amount the pooled fund has already paid this pooling year (yuan)"


class reimbursement(Variable):
    value_type = float
    entity = Insured
    definition_period = periods.DateUnit.YEAR
    label = "Inpatient reimbursement from the pooled fund (yuan)"

    def formula(insured, period, parameters):
        rules = parameters(period).medical.resident_inpatient
        level = insured("hospital_level", period)
        cost = insured("eligible_cost", period)
        paid = insured("fund_paid_this_year", period)
        ratio = rules.ratio_by_level[level]  # enum-keyed rate (fancy indexing)
        left = np.maximum(0, rules.fund_cap - paid)  # what is left of the yearly cap
        return _round_fen_half_up(np.minimum(cost * ratio, left))


class reimbursement_by_select(Variable):
    """The same rule with the enum-keyed rate picked by numpy.select instead of fancy indexing.

    Not the idiomatic form: only there to show what OpenFisca's per-element fancy indexing
    (a Python loop over the cases in VectorialParameterNodeAtInstant) costs.
    """

    value_type = float
    entity = Insured
    definition_period = periods.DateUnit.YEAR
    label = "Inpatient reimbursement from the pooled fund (yuan), rate chosen by select"

    def formula(insured, period, parameters):
        rules = parameters(period).medical.resident_inpatient
        level = insured("hospital_level", period)
        cost = insured("eligible_cost", period)
        paid = insured("fund_paid_this_year", period)
        ratios = rules.ratio_by_level
        ratio = np.select(
            [
                level == HospitalLevel.level_1,
                level == HospitalLevel.level_2,
                level == HospitalLevel.level_3,
            ],
            [ratios.level_1, ratios.level_2, ratios.level_3],
        )
        left = np.maximum(0, rules.fund_cap - paid)
        return _round_fen_half_up(np.minimum(cost * ratio, left))


VARIABLES = (
    scheme,
    out_of_pocket,
    compensation,
    hospital_level,
    eligible_cost,
    fund_paid_this_year,
    reimbursement,
    reimbursement_by_select,
)
FLOAT_VARIABLES = (
    "out_of_pocket",
    "compensation",
    "eligible_cost",
    "fund_paid_this_year",
    "reimbursement",
    "reimbursement_by_select",
)

_system: TaxBenefitSystem | None = None
_precision: str | None = None


def build_system(precision: str = "float32") -> TaxBenefitSystem:
    """A fresh tax-benefit system with the two rules; `precision` is the stored float dtype."""
    if precision not in ("float32", "float64"):
        raise ValueError(f"precision must be 'float32' or 'float64', not {precision!r}")
    system = TaxBenefitSystem([Insured])
    system.add_variables(*VARIABLES)
    system.load_parameters(PARAMETERS_DIR)
    if precision == "float64":
        for name in FLOAT_VARIABLES:
            system.variables[name].dtype = np.float64
    return system


def setup(precision: str = "float32") -> TaxBenefitSystem:
    """Build (once) the system used by run_secondary / run_inpatient: the untimed part."""
    global _system, _precision
    if _system is None or _precision != precision:
        _system = build_system(precision)
        _precision = precision
    return _system


def _simulation(count: int):
    return SimulationBuilder().build_default_simulation(_system or setup(), count=count)


def run_secondary(scheme_codes: np.ndarray, out_of_pocket: np.ndarray) -> np.ndarray:
    """medical.secondary_compensation for a whole vector in one 2012 simulation (yuan, float64).

    scheme_codes: integers 0 = employee, 1 = resident; out_of_pocket: yuan.
    """
    simulation = _simulation(len(out_of_pocket))
    simulation.set_input("scheme", PERIOD, np.asarray(scheme_codes, dtype=np.int16))
    simulation.set_input("out_of_pocket", PERIOD, out_of_pocket)
    return np.asarray(simulation.calculate("compensation", PERIOD), dtype=np.float64)


def run_inpatient(
    levels: np.ndarray, cost: np.ndarray, fund_paid: np.ndarray, *, fancy_indexing: bool = True
) -> np.ndarray:
    """medical.resident_inpatient for a whole vector in one 2012 simulation (yuan, float64).

    levels: hospital levels 1, 2, 3; cost and fund_paid: yuan. fancy_indexing=False uses
    the numpy.select variant (reimbursement_by_select), for reference only.
    """
    simulation = _simulation(len(cost))
    simulation.set_input("hospital_level", PERIOD, np.asarray(levels, dtype=np.int16) - 1)
    simulation.set_input("eligible_cost", PERIOD, cost)
    simulation.set_input("fund_paid_this_year", PERIOD, fund_paid)
    output = "reimbursement" if fancy_indexing else "reimbursement_by_select"
    return np.asarray(simulation.calculate(output, PERIOD), dtype=np.float64)
