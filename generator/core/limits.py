"""Every limit ratebook sets on what it reads, in one place, each with why it has its value.

Policies and case files come from people and from other programs, so a file may be broken,
huge or made to hurt (a YAML "billion laughs", a zip bomb renamed .xlsx, a formula nested
thousands deep). Without limits such a file ends in a RecursionError or a MemoryError, or
runs for minutes. With them, each one is refused early with a finding at its place that
names the limit, and `ratebook` stays within bounded time and memory whatever it is given.
The README's "Limits" section lists them; a message names the limit it hit.

Each value is far above anything a real policy or case file needs (the shipped policies
are a few kilobytes, their formulas a few hundred characters and a few levels deep), and
far below where the program would suffer.
"""

from __future__ import annotations

KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30

# -- YAML policies and YAML case files ----------------------------------------------------------

POLICY_FILE_MAX_BYTES = 1 * MIB
"""A policy YAML file. The largest shipped one is under 10 KiB: a policy of a thousand dated
values with notes stays under 1 MiB. Parsing 1 MiB takes PyYAML about a second."""

YAML_MAX_DEPTH = 64
"""Mappings and lists nested in one YAML document. A policy nests at most eight levels
(parameters → values → brackets → bound); 64 leaves room for any case file and stays far
below Python's recursion limit, which the composer and every walk of the data use."""

YAML_MAX_NODES = 200_000
"""Values in one YAML document, counted with every alias (`*name`) expanded as often as it is
used. A shipped policy has a few hundred. Counting as the document is composed refuses an
exponential alias chain ("billion laughs") before it is expanded; 200,000 values take about
100 MB in PyYAML's nodes."""

# -- formulas -----------------------------------------------------------------------------------

FORMULA_MAX_CHARS = 4_000
"""A formula's text. The longest shipped formula is under 300 characters; a formula longer
than a page is a sign of a mistake (a pasted column) and would make every message about it
unreadable."""

FORMULA_MAX_DEPTH = 50
"""Levels of a formula: each parenthesis, `if`, function call, `not` or minus inside another
counts one, and so does each further term of a chain (`a + b + c` is two levels). The
shipped formulas are at most six levels deep. The parser reads one level in ten Python
calls, and the type checker, the interpreter, the Python and batch compilers, the test
table prober and the DMN writer all walk the tree recursively; the generated Python must
also stay under the 200 nested parentheses Python's own parser accepts. 50 keeps every one
of them well inside Python's recursion limit of 1,000 calls (a test builds, evaluates and
publishes formulas at the limit)."""

# -- workbooks ----------------------------------------------------------------------------------

POLICY_WORKBOOK_MAX_BYTES = 5 * MIB
"""A policy workbook (.xlsx) file. The shipped ones are under 30 KiB; openpyxl reads a
policy workbook of 5 MiB in well under a minute."""

POLICY_WORKBOOK_MAX_INFLATED_BYTES = 50 * MIB
"""A policy workbook unpacked (an .xlsx is a zip of XML parts): the sum of its parts'
sizes, as the zip declares them and as they really inflate. A real workbook inflates five
to ten times; a zip bomb inflates a thousand times or more."""

POLICY_SHEET_MAX_ROWS = 10_000
"""Rows of one sheet of a policy workbook (a thousand brackets or example cases is already
far more than any policy has)."""

POLICY_SHEET_MAX_COLUMNS = 500
"""Columns of one sheet of a policy workbook (`案例 Cases` has one per input and output)."""

CASE_WORKBOOK_MAX_INFLATED_BYTES = 2 * GIB
"""A case workbook (.xlsx given to `eval --cases`, `test`, `diff`) unpacked. Excel's largest
sheet (1,048,576 rows) of a dozen columns inflates to under 1 GiB; rows are streamed, so
only time grows with it."""

CASE_WORKBOOK_MAX_PART_BYTES = 256 * MIB
"""Any one part of a case workbook other than a sheet (shared strings, styles) unpacked:
openpyxl holds these in memory whole, so they must stay well below the machine's memory."""

# -- case files ---------------------------------------------------------------------------------

CASE_FILE_MAX_COLUMNS = 1_000
"""Columns of a case file (CSV, XLSX, JSON Lines, Parquet). A case has one column per input
and expected output; a policy has at most a few dozen."""

CASE_LINE_MAX_BYTES = 1 * MIB
"""One line of a case file: the header of a CSV, one case of a JSON Lines file. A case is a
few hundred bytes; a line of megabytes is a missing line break or a broken quote, and is
refused (that row, or the file for a header) instead of being read whole into memory."""

CASE_FILE_MAX_BYTES = 200 * MIB
"""A case file read whole (`ratebook test` and `ratebook diff` read their case files into
memory; `eval --cases` streams any size and has no such limit)."""

# -- numbers ------------------------------------------------------------------------------------

NUMBER_MAX_DIGITS = 15
"""Digits before the decimal point of any number ratebook reads (a parameter, an example
case, a case input): below 10^15. No amount, count or area comes near a quadrillion, and
15 digits plus the decimals below keep arithmetic exact in the 28 digits Decimal computes
with; the batch path's int64 numerators (up to 9.2 × 10^18) hold them too."""

NUMBER_MAX_PLACES = 10
"""Digits after the decimal point of a number in a policy (a parameter's value, a bracket's
bound, an example case). A rate needs at most six (0.012345), money two; more is a float
written out in full (0.30000000000000004) or a mistake."""

NUMBER_LIMIT = 10**NUMBER_MAX_DIGITS
