"""Every way a policy can fail validation, each shown by a tiny broken policy.

Each fixture in tests/validation/ is a small complete policy with exactly one defect. A test
copies it to <tmp>/policies/test/<name>.yaml (its id is `test.<name>`, so the id/path check stays
quiet unless that is the defect) and checks that the findings hold one with the expected code,
a message containing the expected words, and the expected place `file:line:column`. The
places were worked out by hand from the fixture text (1-based line and column; a flow mapping
`{...}` is placed at its `{`, a block mapping at its first key, a formula problem at the
character of the formula that caused it).
"""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from generator.checks.project import load_project, load_source
from generator.core.findings import ERROR, WARNING
from generator.sources.yaml_reader import read_yaml_text

FIXTURES = Path(__file__).parent / "validation"
GENERATOR = Path(__file__).resolve().parent.parent / "generator"
AREA = "test"


# -- helpers ------------------------------------------------------------------------------------


def install(root: Path, name: str, as_name: str | None = None) -> Path:
    """Copy fixture `name` to root/policies/test/<as_name>.yaml and return its path."""
    target = root / "policies" / AREA / f"{as_name or name}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / f"{name}.yaml", target)
    return target


def display(name: str) -> str:
    return f"policies/{AREA}/{name}.yaml"


def findings_of(name: str, tmp_path: Path):
    path = install(tmp_path, name)
    policy, findings = load_source(path, tmp_path)
    return policy, findings


def shown(findings) -> str:
    return "\n".join(f"  [{f.code}/{f.severity}] {f}" for f in findings) or "  (no findings)"


def expect_finding(findings, name, code, fragment, line, column, severity):
    hits = [
        f
        for f in findings
        if f.code == code
        and f.severity == severity
        and fragment in f.message
        and (f.location.line, f.location.column) == (line, column)
    ]
    assert hits, (
        f"expected a {severity} [{code}] containing {fragment!r} at {line}:{column}; got:\n"
        + shown(findings)
    )
    where = f"{display(name)}:{line}:{column}" if line else display(name)
    assert str(hits[0].location) == where
    assert str(hits[0]).startswith(where + ": ")


def row(sentence, fixture, code, fragment, line, column):
    return pytest.param(fixture, code, fragment, line, column, id=sentence)


# -- the table of errors ------------------------------------------------------------------------

ERRORS = [
    # reading the YAML
    row(
        "a YAML syntax error is reported where the parser stopped",
        "yaml_syntax",
        "yaml-syntax",
        "not valid YAML: mapping values are not allowed here",
        12,
        15,
    ),
    row(
        "a duplicate key is reported at the second occurrence",
        "duplicate_key",
        "duplicate-key",
        "duplicate key 'min'",
        11,
        5,
    ),
    row(
        "a !!python/object tag on a mapping is refused at the tag",
        "yaml_tag_python",
        "yaml-tag",
        "tag 'tag:yaml.org,2002:python/object:os.system' is not allowed",
        3,
        8,
    ),
    row(
        "a !!python/name tag on a scalar is refused at the tag",
        "yaml_tag_python_name",
        "yaml-tag",
        "tag 'tag:yaml.org,2002:python/name:os.system' is not allowed; write plain values",
        4,
        52,
    ),
    row(
        "an explicit !!int tag on text is a finding, not a crash",
        "yaml_tag_int_text",
        "yaml-tag",
        "'ten' is not a plain int (tag !!int)",
        7,
        39,
    ),
    row(
        "an explicit !!bool tag on yes is a finding, not silently false",
        "yaml_tag_bool_yes",
        "yaml-tag",
        "'yes' is not a plain bool (tag !!bool)",
        18,
        17,
    ),
    row(
        "a mapping used as a key is refused",
        "yaml_key_not_text",
        "yaml-key",
        "a key must be plain text",
        21,
        3,
    ),
    row("an empty file is reported without a line", "empty", "empty", "the file is empty", 0, 0),
    row(
        "a file that is a list instead of a mapping is reported at its start",
        "not_a_mapping",
        "schema",
        "the policy: a list is not an object",
        1,
        1,
    ),
    # structure (schema)
    row(
        "a misspelt key such as treshold lists the allowed keys",
        "unknown_key",
        "schema",
        "unknown key 'treshold' in inputs.area; allowed: default, label, max, min, note, ordered, type, unit, value_labels, values",
        10,
        5,
    ),
    row(
        "a misspelt top-level key lists the allowed top-level keys",
        "unknown_key_top",
        "schema",
        "unknown key 'case' in the policy (did you mean 'cases'?); allowed: advice, cases, checks, formulas, id, inputs, jurisdiction, notes, outputs, parameters, properties, ratebook, source, subject_to, title",
        22,
        1,
    ),
    row(
        "the first of two unknown keys in one mapping is reported",
        "unknown_keys_two",
        "schema",
        "unknown key 'maximum' in inputs.area",
        11,
        5,
    ),
    row(
        "the second of two unknown keys in one mapping is reported too",
        "unknown_keys_two",
        "schema",
        "unknown key 'treshold' in inputs.area",
        10,
        5,
    ),
    row(
        "a missing required key names the key",
        "missing_key",
        "schema",
        "inputs.area is missing the key 'type'",
        7,
        9,
    ),
    row(
        "a missing top-level section names the section",
        "missing_key_top",
        "schema",
        "the policy is missing the key 'formulas'",
        1,
        1,
    ),
    row(
        "a value of the wrong type names the expected type",
        "wrong_type",
        "schema",
        "outputs.subsidy.rounding.places: 'two' is not an integer",
        10,
        58,
    ),
    row(
        "a date not written year first is refused",
        "bad_date_pattern",
        "bad-date",
        "'1-1-2012' is not a date ratebook reads; write 2012-07-01 (also 2012/7/1 or 2012年7月1日)",
        17,
        16,
    ),
    row(
        "a source date not written year first is refused",
        "bad_source_date",
        "bad-date",
        "'14/08/2012' is not a date; write YYYY, YYYY-MM or YYYY-MM-DD",
        4,
        36,
    ),
    row(
        "a value that is not a number or a percentage is refused",
        "not_a_number",
        "bad-number",
        "'forty' is not a number; write digits such as 20000, 0.3, 30%, 20,000 or 2万",
        17,
        35,
    ),
    row(
        "a misspelt parameter kind offers the close one",
        "close_to_one_of",
        "schema",
        "parameters.per_m2.kind: 'amout' is not one of: amount, rate, scale, table (did you mean 'amount'?)",
        14,
        11,
    ),
    row(
        "an unknown parameter kind lists the kinds",
        "not_one_of",
        "schema",
        "parameters.per_m2.kind: 'percent' is not one of: amount, rate, scale, table",
        14,
        11,
    ),
    row(
        "a format version other than 1 is refused",
        "format_version",
        "schema",
        "ratebook must be 1, not 2",
        1,
        11,
    ),
    row(
        "a name that is not lower case is reported at the name",
        "bad_name",
        "schema",
        "name 'Rooms' in inputs is not a lower-case name of letters, digits and _ starting with a letter",
        8,
        3,
    ),
    row(
        "a unit that is not lower case is refused",
        "bad_unit",
        "schema",
        "parameters.per_m2.unit: 'Yuan/m2' is not a unit such as yuan, yuan/month, m2, person or 1",
        15,
        11,
    ),
    row(
        "an empty inputs section is refused",
        "empty_inputs",
        "schema",
        "inputs must not be empty",
        6,
        9,
    ),
    row(
        "an empty label text is refused",
        "empty_text",
        "schema",
        "title.en must not be empty text",
        3,
        21,
    ),
    row(
        "an id not of the form area.name is refused",
        "bad_id",
        "schema",
        "id: 'Test-Bad-Id' is not area.name, e.g. medical.secondary_compensation",
        2,
        5,
    ),
    # values the schema lets through
    row(
        "a date that does not exist (2012-02-30) is refused",
        "impossible_date",
        "bad-date",
        "'2012-02-30' is not a real date",
        17,
        16,
    ),
    row(
        "a case dated on a day that does not exist is refused",
        "impossible_case_date",
        "bad-date",
        "'2012-02-30' is not a real date",
        24,
        9,
    ),
    row(
        "an amount entry without value is refused",
        "missing_value",
        "missing-value",
        "parameters.per_m2.values[0] needs a 'value'",
        17,
        9,
    ),
    row(
        "a scale entry without brackets is refused",
        "missing_brackets",
        "missing-value",
        "parameters.by_area.values[0] needs 'brackets'",
        19,
        9,
    ),
    row(
        "a table entry without rows is refused",
        "missing_rows",
        "missing-value",
        "parameters.per_m2.values[0] needs 'rows'",
        19,
        9,
    ),
    row(
        "a bracket with both over and at_least is refused",
        "bracket_both_lower",
        "bracket-words",
        "a bracket takes 'over' or 'at_least', not both",
        22,
        13,
    ),
    row(
        "a formula syntax error points at the unexpected token",
        "formula_syntax",
        "formula-syntax",
        "expected a value but found '*'",
        20,
        19,
    ),
    row(
        "an unclosed parenthesis points just past the end of the formula",
        "formula_unclosed",
        "formula-syntax",
        "expected ')' but found 'the end of the formula'",
        20,
        26,
    ),
    row(
        "an unexpected character in a formula is pointed at",
        "formula_bad_character",
        "formula-syntax",
        "unexpected character '@'",
        20,
        26,
    ),
    row(
        "a chained comparison is refused at the second comparison",
        "formula_chained_comparison",
        "formula-syntax",
        "chained comparisons are ambiguous; join them with 'and'",
        20,
        24,
    ),
    row(
        "an unknown function lists the allowed functions",
        "unknown_function",
        "formula-syntax",
        "unknown function 'sum'; allowed: min, max, clamp, round, floor, ceil, scale, table, date",
        20,
        12,
    ),
    # inputs
    row(
        "a number input without a unit is refused",
        "missing_unit_input",
        "missing-unit",
        "input 'area' needs a unit (use 1 for a pure number)",
        7,
        9,
    ),
    row(
        "an enum input with a unit is refused",
        "unit_on_enum",
        "unit-not-allowed",
        "input 'level' is enum: it takes no unit",
        8,
        10,
    ),
    row(
        "an enum input without values is refused",
        "enum_empty",
        "enum-empty",
        "input 'level' is an enum: list its values",
        8,
        10,
    ),
    row(
        "an enum listing a value twice is refused",
        "enum_duplicate",
        "enum-duplicate",
        "input 'level' lists low twice",
        8,
        10,
    ),
    row(
        "two enum values with the same label are refused: a case giving it would name both",
        "value_label_ambiguous",
        "value-label-ambiguous",
        "input 'level': the label '标准' is given to low, high",
        13,
        13,
    ),
    row(
        "a label equal to another enum value's id is refused",
        "value_label_is_other_value",
        "value-label-ambiguous",
        "input 'level': the label 'low' of high is the value low itself",
        13,
        13,
    ),
    row(
        "a value label for a value the enum does not list is refused",
        "value_label_unknown",
        "value-label-unknown",
        "input 'level': value_labels names 'medium', which is not one of its values: low, high",
        13,
        15,
    ),
    row(
        "a number input listing values is refused",
        "values_not_allowed",
        "values-not-allowed",
        "input 'area' is number: only enums list values",
        7,
        9,
    ),
    row(
        "an ordered number input is refused",
        "ordered_not_enum",
        "ordered-not-enum",
        "input 'area': only enums can be ordered",
        7,
        9,
    ),
    row(
        "bounds on an enum input are refused",
        "bounds_not_allowed",
        "bounds-not-allowed",
        "input 'level' is enum: min and max apply to numbers",
        8,
        10,
    ),
    row(
        "a minimum above the maximum is refused",
        "bounds_crossed",
        "bounds-crossed",
        "input 'area': min 500 is above max 50",
        7,
        9,
    ),
    row(
        "a default below the minimum is refused",
        "bad_default",
        "bad-default",
        "input 'area': default -10 is below the minimum 0",
        7,
        9,
    ),
    row(
        "an enum default that is not one of the values is refused",
        "bad_default_enum",
        "bad-default",
        "input 'level': default 'medium' is not one of: low, high",
        8,
        10,
    ),
    # outputs
    row(
        "an integer output without a unit is refused",
        "missing_unit_output",
        "missing-unit",
        "output 'subsidy' needs a unit (use 1 for a pure number)",
        10,
        12,
    ),
    row(
        "a boolean output with a unit is refused",
        "boolean_output_unit",
        "unit-not-allowed",
        "output 'large' is boolean: no unit or rounding",
        11,
        10,
    ),
    row(
        "a number output that is not money needs a rounding rule",
        "missing_rounding",
        "missing-rounding",
        "output 'counted_area' needs a rounding rule (places and mode)",
        11,
        17,
    ),
    row(
        "an output without a formula is refused",
        "missing_formula",
        "missing-formula",
        "output 'monthly' has no formula",
        11,
        12,
    ),
    # parameters
    row(
        "an unnumbered parameter that has values is refused",
        "unnumbered_with_values",
        "unnumbered-has-values",
        "parameter 'per_m2' is marked unnumbered but has values",
        14,
        5,
    ),
    row(
        "a parameter with no values that is not unnumbered is refused",
        "no_values",
        "no-values",
        "parameter 'per_m2' has no values; give at least one, or mark it unnumbered: true",
        14,
        5,
    ),
    row(
        "dated values out of order are refused at the later entry",
        "date_order",
        "date-order",
        "parameter 'per_m2': from 2011-01-01 comes before 2012-01-01",
        18,
        9,
    ),
    row(
        "a dated value repeating a date is refused",
        "date_repeat",
        "date-order",
        "parameter 'per_m2': from 2012-01-01 repeats 2012-01-01",
        18,
        9,
    ),
    row(
        "an amount without a unit is refused",
        "missing_unit_parameter",
        "missing-unit",
        "parameter 'per_m2' needs a unit",
        14,
        5,
    ),
    row(
        "a scale without a method is refused",
        "scale_method",
        "scale-method",
        "scale 'by_area' needs method: marginal or whole_amount",
        14,
        5,
    ),
    row(
        "a scale without an input unit is refused",
        "scale_input_unit",
        "missing-unit",
        "scale 'by_area' needs an input_unit",
        14,
        5,
    ),
    row(
        "a scale of amounts without an output unit is refused",
        "scale_output_unit",
        "missing-unit",
        "scale 'by_area' gives amounts: declare output_unit",
        14,
        5,
    ),
    row(
        "a bracket with neither rate nor amount is refused",
        "bracket_value_missing",
        "bracket-value",
        "a bracket needs a rate or an amount",
        22,
        13,
    ),
    row(
        "a scale mixing rates and amounts is refused",
        "bracket_value_mixed",
        "bracket-value",
        "scale 'by_area' mixes rates and amounts; use one kind",
        19,
        9,
    ),
    row(
        "a marginal scale with amounts is refused",
        "marginal_amounts",
        "bracket-value",
        "marginal scale 'by_cost' takes rates, not amounts",
        18,
        9,
    ),
    row(
        "an empty bracket (lower bound not below upper) is refused",
        "bracket_empty",
        "bracket-empty",
        "bracket at least 200 below 100 is empty: its lower bound is not below its upper bound",
        22,
        13,
    ),
    row(
        "an open upper bound in a middle bracket is refused",
        "bracket_open_upper_middle",
        "bracket-open",
        "only the last bracket may leave out its upper bound (up_to/below)",
        21,
        13,
    ),
    row(
        "an open lower bound in a middle bracket is refused",
        "bracket_open_lower_middle",
        "bracket-open",
        "only the first bracket may leave out its lower bound (over/at_least)",
        21,
        13,
    ),
    row(
        "up_to 100 then at_least 100 is an overlap naming boundary 100",
        "bracket_overlap_boundary",
        "bracket-overlap",
        "boundary 100 is claimed by two brackets ('up to 100' and 'at least 100 up to 200')",
        22,
        13,
    ),
    row(
        "up_to 200 then at_least 200 is an overlap naming boundary 200",
        "bracket_overlap_boundary",
        "bracket-overlap",
        "boundary 200 is claimed by two brackets ('at least 100 up to 200' and 'at least 200')",
        23,
        13,
    ),
    row(
        "overlapping ranges are refused naming the overlap",
        "bracket_overlap_range",
        "bracket-overlap",
        "brackets overlap between 30000 and 35000: 'over 20000 up to 35000' and 'over 30000 up to 50000' both cover it",
        21,
        13,
    ),
    row(
        "below 100 then over 100 is a gap naming boundary 100",
        "bracket_gap_boundary",
        "bracket-gap",
        "boundary 100 belongs to no bracket ('below 100' then 'over 100 below 200')",
        22,
        13,
    ),
    row(
        "below 100 then at_least 150 is a gap between 100 and 150",
        "bracket_gap_numeric",
        "bracket-gap",
        "gap between 100 and 150: no bracket covers it",
        22,
        13,
    ),
    row(
        "a table keyed by a number input is refused and lists the enum inputs",
        "table_key_not_enum",
        "table-key",
        "table 'per_m2' is keyed by 'area', which is not an enum input; enum inputs: level",
        15,
        5,
    ),
    row(
        "a table without a key is refused",
        "table_key_missing",
        "table-key",
        "table 'per_m2' needs key: the enum input its rows are for",
        15,
        5,
    ),
    row(
        "a table missing a row for an enum value is refused",
        "table_missing_row",
        "table-rows",
        "table 'per_m2' has no row for high",
        19,
        9,
    ),
    row(
        "a table row for a value the enum does not have is refused",
        "table_unknown_row",
        "table-rows",
        "table 'per_m2' has rows for unknown keys top; level allows low, high",
        19,
        9,
    ),
    row(
        "method on an amount is refused",
        "scale_only",
        "scale-only",
        "parameter 'per_m2': method, input_unit and output_unit belong to scales",
        14,
        5,
    ),
    row(
        "key on an amount is refused",
        "table_only",
        "table-only",
        "parameter 'per_m2': key belongs to tables",
        14,
        5,
    ),
    row(
        "a rate of 1.3 is above 1",
        "rate_above_one",
        "rate-range",
        "rate 1.3 is above 1 (declare max: on the parameter if the source allows it)",
        21,
        35,
    ),
    row(
        "a negative rate is below 0", "rate_negative", "rate-range", "rate -0.05 is below 0", 21, 35
    ),
    row(
        "a rate above a declared max is refused",
        "rate_above_declared_max",
        "rate-range",
        "rate 1.6 is above 1.5",
        22,
        35,
    ),
    row(
        "a rate above 1 in a scale bracket is refused at the bracket",
        "rate_in_bracket_above_one",
        "rate-range",
        "rate 1.4 is above 1",
        21,
        47,
    ),
    row(
        "a rate above 1 in a table of rates is refused",
        "rate_in_table_above_one",
        "rate-range",
        "rate 1.2 is above 1",
        20,
        32,
    ),
    # names
    row(
        "a parameter with the name of an input is refused",
        "name_clash_parameter",
        "name-clash",
        "'area' is both an input and a parameter",
        14,
        5,
    ),
    row(
        "a formula with the name of an input is refused",
        "name_clash_formula",
        "name-clash",
        "formula 'area' has the name of an input",
        21,
        9,
    ),
    # formulas
    row(
        "an unknown name in a one-line formula is placed at the name",
        "unknown_name_one_line",
        "formula",
        "unknown name 'per_sqm'; known names: area, per_m2",
        20,
        19,
    ),
    row(
        "an unknown name in a folded >- formula is placed at its line and column",
        "unknown_name_folded",
        "formula",
        "unknown name 'per_sqm'; known names: area, per_m2",
        22,
        17,
    ),
    row(
        "an unknown name in a quoted formula is placed at the name",
        "unknown_name_quoted",
        "formula",
        "unknown name 'per_sqm'",
        20,
        20,
    ),
    row(
        "an unknown name in a literal | formula is placed at its line and column",
        "unknown_name_literal_block",
        "formula",
        "unknown name 'per_sqm'",
        22,
        5,
    ),
    row(
        "an unknown name on a more-indented line of a folded formula is placed at the name",
        "unknown_name_folded_indented",
        "formula",
        "unknown name 'per_sqm'",
        22,
        9,
    ),
    row(
        "an unknown name on the second line of a plain multi-line formula is placed at the name",
        "unknown_name_plain_two_lines",
        "formula",
        "unknown name 'per_sqm'",
        21,
        7,
    ),
    row(
        "yuan plus m2 is a unit mismatch at the operator",
        "unit_mismatch",
        "formula",
        "'+' mixes units: m2 and yuan",
        20,
        26,
    ),
    row(
        "a formula not in its output's unit is refused",
        "output_unit_mismatch",
        "formula-type",
        "output 'subsidy': the formula gives m2, the output is in yuan",
        20,
        12,
    ),
    row(
        "a number formula for a boolean output is refused",
        "boolean_output_number",
        "formula-type",
        "output 'large': the formula gives number in m2, the output is true/false",
        22,
        10,
    ),
    row(
        "an enum literal that is not a value of the enum is refused at the literal",
        "enum_literal_unknown",
        "formula",
        "'medium' is not a value of level; allowed: low, high",
        23,
        23,
    ),
    row(
        "ordering a non-ordered enum is refused at the operator",
        "enum_ordering",
        "formula",
        "'>' needs an ordered enum; level is not declared ordered: true",
        23,
        21,
    ),
    row(
        "if-branches in different units are refused at the if",
        "if_branch_units",
        "formula",
        "the two branches of 'if' mixes units: m2 and yuan",
        23,
        12,
    ),
    row(
        "an if condition that is a number is refused at the condition",
        "if_condition_not_boolean",
        "formula",
        "'if' needs true/false, not number in m2",
        20,
        15,
    ),
    row(
        "comparing a number with text is refused at the operator",
        "compare_text_number",
        "formula",
        "cannot compare number in m2 with text",
        20,
        20,
    ),
    row(
        "scale() on an amount is refused at its name",
        "scale_on_non_scale",
        "formula",
        "'per_m2' is not a scale; scales here: none",
        20,
        18,
    ),
    row(
        "scale() on a value in the wrong unit is refused at the argument's operator",
        "scale_wrong_unit",
        "formula",
        "scale 'by_area' takes m2, not m2^2",
        26,
        32,
    ),
    row(
        "a scale used as a bare name is refused",
        "scale_bare_name",
        "formula",
        "'by_area' is a scale: write scale(by_area, …)",
        26,
        12,
    ),
    row(
        "table() with a key that is not the table's enum is refused at the key",
        "table_wrong_key",
        "formula",
        "table 'per_m2' is keyed by level, not number in m2",
        23,
        33,
    ),
    row(
        "min() with one argument is refused",
        "function_arity",
        "formula",
        "min() takes at least 2 arguments, not 1",
        20,
        12,
    ),
    row(
        "round() with fractional places is refused at the places",
        "round_places",
        "formula",
        "round(x, places) needs a whole number of places from 0 to 6",
        20,
        33,
    ),
    row(
        "a date literal that does not exist is refused",
        "date_literal",
        "formula",
        "'2012-02-30' is not a date (YYYY-MM-DD)",
        20,
        20,
    ),
    row(
        "a formula cycle is reported at the first formula",
        "formula_cycle",
        "formula-cycle",
        "formula 'subsidy' depends on itself through subsidy, extra",
        20,
        12,
    ),
    row(
        "a formula cycle is reported at the second formula",
        "formula_cycle",
        "formula-cycle",
        "formula 'extra' depends on itself through subsidy, extra",
        21,
        10,
    ),
    row(
        "a unit error in a helper formula is placed in the helper",
        "helper_with_error",
        "formula",
        "'+' mixes units: m2 and yuan",
        21,
        23,
    ),
    row(
        "using an unnumbered parameter in a formula is refused at the name",
        "unnumbered_used",
        "formula",
        "'per_m2' has no value: the source gives no number, so no formula can use it",
        19,
        19,
    ),
    # checks
    row(
        "a check rule that is not true/false is refused",
        "check_not_boolean",
        "check",
        "a check must be true or false, not number in m2",
        23,
        11,
    ),
    row(
        "a check rule using a formula is refused",
        "check_uses_formula",
        "check",
        "a check may use inputs and parameters, not the formula 'subsidy'",
        23,
        11,
    ),
    row(
        "a check rule using an unnumbered parameter is refused at the name",
        "check_uses_unnumbered",
        "check",
        "'cap_m2' has no value",
        27,
        19,
    ),
    # example cases
    row(
        "an example case whose expected output differs shows both values",
        "case_mismatch",
        "case-mismatch",
        "case '100 square metres': subsidy expected 5000.00, the formulas give 4000.00",
        23,
        5,
    ),
    row(
        "an example case with an input below its minimum cannot be evaluated",
        "case_input_out_of_bounds",
        "case-error",
        "case '100 square metres': cannot be evaluated: area: -5 is below the minimum 0",
        23,
        5,
    ),
    row(
        "an example case expecting an unknown output lists the outputs",
        "case_unknown_output",
        "case-output",
        "case '100 square metres': expects unknown output 'subsidies'; outputs: subsidy",
        23,
        5,
    ),
    row(
        "an example case expecting text for a number output is refused",
        "case_expected_not_number",
        "case-expected",
        "case '100 square metres': expected subsidy '4000 yuan' is not a number",
        23,
        5,
    ),
    row(
        "an example case dated before the policy is in force is refused",
        "case_not_in_force",
        "case-error",
        "cannot be evaluated: per_m2: not in force on 2011-06-01: the first value applies from 2012-01-01",
        23,
        5,
    ),
    row(
        "an example case breaking a check shows the check's message",
        "case_breaks_check",
        "case-error",
        "cannot be evaluated: the area is at most 1000 square metres (rule: area <= 1000)",
        27,
        5,
    ),
    # placement
    row(
        "an id that does not match the file path names the expected id",
        "id_path",
        "id-path",
        "id 'test.somewhere_else' does not match the file's place; expected 'test.id_path'",
        2,
        5,
    ),
]


@pytest.mark.parametrize("fixture, code, fragment, line, column", ERRORS)
def test_each_defect_is_reported_with_its_place(tmp_path, fixture, code, fragment, line, column):
    policy, findings = findings_of(fixture, tmp_path)
    expect_finding(findings, fixture, code, fragment, line, column, ERROR)


# -- warnings -----------------------------------------------------------------------------------

WARNINGS = [
    row(
        "an unused input is a warning",
        "unused_input",
        "unused-input",
        "input 'rooms' is used by no formula",
        8,
        10,
    ),
    row(
        "an unnumbered parameter is a warning",
        "unnumbered_parameter",
        "unnumbered",
        "parameter 'elderly_extra' has no number: the source leaves it open",
        19,
        5,
    ),
    row(
        "an unused parameter is a warning",
        "unused_parameter",
        "unused-parameter",
        "parameter 'cap' is used by no formula",
        19,
        5,
    ),
    row(
        "an unused helper formula is a warning",
        "unused_formula",
        "unused-formula",
        "formula 'doubled' is no output and used by no formula",
        21,
        12,
    ),
]


@pytest.mark.parametrize("fixture, code, fragment, line, column", WARNINGS)
def test_each_warning_is_reported_and_does_not_fail(
    tmp_path, fixture, code, fragment, line, column
):
    policy, findings = findings_of(fixture, tmp_path)
    expect_finding(findings, fixture, code, fragment, line, column, WARNING)
    assert policy is not None
    assert [f for f in findings if f.severity == ERROR] == [], shown(findings)


# -- bugs beyond one finding's place --------------------------------------------------------------


def test_an_unnumbered_parameter_in_a_formula_is_not_also_called_unknown(tmp_path):
    _, findings = findings_of("unnumbered_used", tmp_path)
    assert [f for f in findings if f.severity == ERROR and "per_m2" in f.message]
    assert not [f for f in findings if "unknown name 'per_m2'" in f.message], shown(findings)


def test_a_formula_using_a_broken_helper_is_not_told_the_helper_is_unknown(tmp_path):
    _, findings = findings_of("helper_with_error", tmp_path)
    assert not [f for f in findings if "unknown name 'base'" in f.message], shown(findings)


# -- files that are not policies ------------------------------------------------------------------


def test_valid_fixtures_have_no_findings(tmp_path):
    for name in ("valid", "valid_scale", "valid_table"):
        policy, findings = findings_of(name, tmp_path)
        assert policy is not None and policy.id == f"test.{name}"
        assert findings == [], shown(findings)


def test_an_unreadable_file_is_reported(tmp_path):
    missing = tmp_path / "policies" / AREA / "missing.yaml"
    policy, findings = load_source(missing, tmp_path)
    assert policy is None
    assert [(f.code, str(f.location)) for f in findings] == [("unreadable", display("missing"))]
    assert findings[0].message.startswith("cannot read the file")


def test_a_file_that_is_not_utf8_is_reported_with_the_byte(tmp_path):
    path = tmp_path / "policies" / AREA / "latin1.yaml"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"ratebook: 1\nid: test.latin1\ntitle: {zh: caf\xe9, en: x}\n")
    policy, findings = load_source(path, tmp_path)
    assert policy is None
    assert [(f.code, f.message, str(f.location)) for f in findings] == [
        ("encoding", "not UTF-8 text (byte 43)", display("latin1"))
    ]


def test_a_project_without_policies_is_reported(tmp_path):
    project = load_project(tmp_path)
    assert [(f.code, f.message, str(f.location)) for f in project.findings.errors] == [
        ("no-policies", "no policy files found (policies/**/*.yaml)", "policies")
    ]


def test_two_files_with_one_id_are_reported(tmp_path):
    install(tmp_path, "valid")
    (tmp_path / "policies" / AREA / "valid.yml").write_bytes((FIXTURES / "valid.yaml").read_bytes())
    project = load_project(tmp_path)
    assert [(f.code, f.message, str(f.location)) for f in project.findings.errors] == [
        (
            "duplicate-id",
            "policy id 'test.valid' is also defined in policies/test/valid.yaml",
            "policies/test/valid.yml",
        )
    ]


# -- the YAML reader keeps text as text ---------------------------------------------------------


def test_yes_no_on_off_and_dates_stay_text(tmp_path):
    policy, findings = findings_of("yaml_text_values", tmp_path)
    assert findings == [], shown(findings)  # the enum and the example cases work
    assert policy.input("answer").values == ("yes", "no", "off")
    assert policy.input("on").type == "boolean"
    assert policy.input("start").default == "2012-07-01"
    assert dict(policy.cases[0].inputs) == {"on": True, "answer": "yes", "start": "2012-07-01"}
    assert dict(policy.cases[1].inputs) == {"on": True, "answer": "no"}

    doc, problems = read_yaml_text(
        "a: yes\nb: no\non: off\nd: 2012-07-01\ne: true\nf: 0.3\ng: 30%\nh: 12\ni: ~\n", "x.yaml"
    )
    assert problems == []
    assert doc.data == {
        "a": "yes",
        "b": "no",
        "on": "off",
        "d": "2012-07-01",
        "e": True,
        "f": Decimal("0.3"),
        "g": "30%",
        "h": 12,
        "i": None,
    }
    assert type(doc.data["f"]) is Decimal


# -- the command line ---------------------------------------------------------------------------


def run_validate(root: Path):
    return CliRunner().invoke(cli.main, ["--root", str(root), "validate"])


def test_cli_prints_every_problem_of_every_file_and_exits_1(tmp_path):
    for name in ("rate_above_one", "bracket_gap_numeric"):
        install(tmp_path, name)
    result = run_validate(tmp_path)
    assert result.exit_code == 1, result.output
    assert (
        "policies/test/bracket_gap_numeric.yaml:22:13: gap between 100 and 150: no bracket covers it"
        in result.stderr
    )
    assert (
        "policies/test/rate_above_one.yaml:21:35: rate 1.3 is above 1 (declare max: on the parameter "
        "if the source allows it)" in result.stderr
    )
    assert result.stderr.endswith("\n2 error(s) in policies\n")
    assert "ok" not in result.stdout


def test_cli_prints_ok_for_a_valid_project_and_exits_0(tmp_path):
    for name in ("valid", "valid_scale", "valid_table"):
        install(tmp_path, name)
    result = run_validate(tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 3 policies valid\n"
    assert result.stderr == ""


def test_cli_warnings_are_shown_but_do_not_fail(tmp_path):
    for name in ("valid", "unused_input"):
        install(tmp_path, name)
    result = run_validate(tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 2 policies valid, 1 warning(s)\n"
    assert (
        result.stderr
        == "policies/test/unused_input.yaml:8:10: warning: input 'rooms' is used by no formula\n"
    )


def test_cli_validates_the_shipped_policies():
    root = Path(__file__).resolve().parent.parent
    result = run_validate(root)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: ")


# -- coverage of the fixtures and of the generator's finding codes ------------------------------

UNREACHABLE = {
    # build_model turns every number the schema lets through (numbers, '30%') into a Decimal
    "bad-number",
}
OUTSIDE_FIXTURES = {"unreadable", "encoding", "no-policies", "duplicate-id"}  # tested above
OUTSIDE_FIXTURES |= {"file-limit", "yaml-limit", "formula-limit", "number-limit"}  # test_limits.py


# the modules that read and validate a policy (build-time checks of generated code are not here)
VALIDATION_MODULES = (
    "sources/yaml_reader.py",
    "checks/structure.py",
    "model/build.py",
    "checks/rules.py",
    "checks/project.py",
)


def finding_codes_in_generator() -> set[str]:
    pattern = re.compile(
        r'(?:\bfinding\(|Finding\(|\.add\(|\.problem\()\s*"([a-z][a-z-]*)(?:\.[a-z-]+)?"'
    )
    codes = set()
    for path in (GENERATOR / name for name in VALIDATION_MODULES):
        codes |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return codes


def test_every_validation_finding_code_has_a_test():
    tested = {p.values[1] for p in ERRORS + WARNINGS} | OUTSIDE_FIXTURES
    missing = finding_codes_in_generator() - tested - UNREACHABLE
    assert not missing, f"finding codes without a test: {sorted(missing)}"


def test_every_fixture_is_used():
    on_disk = {p.stem for p in FIXTURES.glob("*.yaml")}
    used = {p.values[0] for p in ERRORS + WARNINGS} | {
        "valid",
        "valid_scale",
        "valid_table",
        "yaml_text_values",
        "unused_input",
        "rate_above_one",
        "bracket_gap_numeric",
        "unnumbered_used",
        "helper_with_error",
    }
    assert on_disk == used


def test_a_value_of_none_of_a_choice_of_types_is_told_as_a_type(tmp_path):
    """The schema writes a choice of types as an anyOf of single types (ajv's strict mode
    refuses a list of types); the officer still reads which types are allowed."""
    target = tmp_path / "policies" / "demo" / "subsidy.yaml"
    target.parent.mkdir(parents=True)
    text = (Path(__file__).parent / "chinese" / "subsidy.yaml").read_text(encoding="utf-8")
    target.write_text(
        text.replace("values: [employee, resident]", "values: [employee, 1.5]"), encoding="utf-8"
    )
    result = run_validate(tmp_path)
    assert result.exit_code == 1
    assert (
        "policies/demo/subsidy.yaml:19:24: inputs.scheme.values[1]: 1.5 is not a string or integer"
        in result.output
    )
