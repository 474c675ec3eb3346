"""Units as a person reads them, and as an officer writes them after a number.

By hand: an age (`age`, 周岁) and a duration (`year`, 缴费年限) are different units: `60岁` is
read on an age and refused on a duration, `15年` the other way round; each is shown in its own
words (60岁, 15年; 60 years of age, 15 years), and a refusal names the field's unit in words.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from generator.core.messages import in_language
from generator.core.unit_words import amount, unit_label
from generator.core.values import Refusal, number_text


@pytest.mark.parametrize(
    ("unit", "zh", "en"),
    [
        ("yuan/month", "元/月", "yuan/month"),
        ("yuan/person/month", "元/人/月", "yuan/person/month"),
        ("m2", "平方米", "m²"),
        ("month", "个月", "months"),
        ("age", "岁", "years of age"),
        ("year", "年", "years"),
        ("1", "", ""),
        ("furlong", "furlong", "furlong"),  # unknown to the catalogue: shown by its id
    ],
)
def test_each_unit_has_its_words_in_both_languages(unit, zh, en):
    with in_language("zh"):
        assert unit_label(unit) == zh
    with in_language("en"):
        assert unit_label(unit) == en


def test_an_amount_is_written_as_each_language_writes_it():
    with in_language("zh"):
        shown = [amount(Decimal("60"), "age"), amount(Decimal("15"), "year")]
        assert shown + [amount(Decimal("70.50"), "yuan/month")] == ["60岁", "15年", "70.5元/月"]
    with in_language("en"):
        assert [amount(Decimal("60"), "age"), amount(1, "year"), amount(6, "month")] == [
            "60 years of age",
            "1 year",
            "6 months",
        ]


@pytest.mark.parametrize(
    ("text", "unit", "read"),
    [
        ("60岁", "age", Decimal(60)),
        ("60周岁", "age", Decimal(60)),
        ("15年", "year", Decimal(15)),
        ("6个月", "month", Decimal(6)),
        ("50平方米", "m2", Decimal(50)),
        ("1500元/月", "yuan/month", Decimal(1500)),
    ],
)
def test_a_number_with_its_fields_unit_is_read(text, unit, read):
    assert number_text(text, unit) == read


@pytest.mark.parametrize(
    ("text", "unit", "zh_unit"),
    [
        ("60年", "age", "岁"),  # a duration on an age
        ("15岁", "year", "年"),  # an age on a duration
        ("35000平方米", "yuan", "元"),
    ],
)
def test_another_units_number_is_refused_naming_the_fields_unit_in_words(text, unit, zh_unit):
    with pytest.raises(Refusal) as refused:
        number_text(text, unit)
    assert refused.value.code == "number.unit-mismatch"
    with in_language("zh"):
        assert f"（应为 {zh_unit}）" in str(refused.value.reason)


def test_a_percentage_on_money_is_refused_naming_yuan_in_words():
    with pytest.raises(Refusal) as refused:
        number_text("30%", "yuan")
    with in_language("zh"):
        assert "此字段的单位是 元" in str(refused.value.reason)
    with in_language("en"):
        assert "this field is in yuan" in str(refused.value.reason)


def test_a_yes_or_no_is_shown_in_words_not_as_pythons_true():
    """`eligible = 是`, as the desk shows it, where eval used to print `True`."""
    with in_language("zh"):
        assert (amount(True, None), amount(False, "")) == ("是", "否")
    with in_language("en"):
        assert (amount(True, None), amount(False, "")) == ("Yes", "No")
