"""The README's yearly update, applied to a copy of the project as an officer would make it.

Two worked examples of the README: "a yearly update, reviewed with `ratebook diff`" (a 2013
standard of 560 in `policies/unemployment/benefit.yaml`, with its example case) and "a new
rate and a new tier boundary, in Excel" (2013 brackets of the employee scale and an example
case in `policies/medical/secondary_compensation.xlsx`). `tests/test_yearly_update.py`
applies both to a copy and requires the machinery tests to pass on it: an officer's correct
change to a shipped policy must never turn CI red.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

BENEFIT = "policies/unemployment/benefit.yaml"
WORKBOOK = "policies/medical/secondary_compensation.xlsx"

_OLD_VALUE = "      - {from: 2012-07-01, value: 520}\n"
_NEW_VALUE = "      - {from: 2013-01-01, value: 560}\n"
_NEW_CASE = """\
  - name: the 2013 standard
    on: 2013-01-01
    inputs: {min_living_standard: 300, min_wage: 1140}
    expected: {monthly_benefit: "560.00"}
    why: from 2013-01-01 the standard is 560; 390 ≤ 560 ≤ 1140
"""


def apply_yearly_update(root: Path) -> None:
    """Edit the project at `root` as the README's two worked examples do."""
    benefit = root / BENEFIT
    text = benefit.read_text(encoding="utf-8")
    assert text.count(_OLD_VALUE) == 1, "the README's yearly update no longer fits benefit.yaml"
    text = text.replace(_OLD_VALUE, _OLD_VALUE + _NEW_VALUE)
    benefit.write_text(text.rstrip("\n") + "\n" + _NEW_CASE, encoding="utf-8")

    import openpyxl

    book = openpyxl.load_workbook(root / WORKBOOK)
    new = dt.date(2013, 1, 1)
    for row in (
        ["employee_scale", new, "over", 20000, "up_to", 32000, 0.35],
        ["employee_scale", new, "over", 32000, "up_to", 50000, 0.40],
        ["employee_scale", new, "over", 50000, None, None, 0.50],
    ):
        book["分段 Scales"].append(row)
    book["案例 Cases"].append(
        [
            "employee, 35,000 yuan under the 2013 standard",
            new,
            "employee",
            35000,
            "5400.00",
            "12000 × 35% + 3000 × 40% = 4200 + 1200 = 5400",
        ]
    )
    book.save(root / WORKBOOK)
