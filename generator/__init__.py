"""ratebook's generator: reads policy sources, validates them, emits Python and tables.

Every package `__init__` is kept empty of imports on purpose: the generated modules import
`generator.runtime`, and the one-case CLI path must stay light (no YAML, no jsonschema, no
numpy) when it only evaluates. The layers and where each kind of change goes are in README.md
("Architecture").
"""
