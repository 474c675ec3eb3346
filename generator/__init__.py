"""ratebook's generator: reads policy sources, validates them, emits Python and tables.

Kept empty of imports on purpose: the generated modules import `generator.runtime`, and the
one-case CLI path must stay light (no YAML, no jsonschema) when it only evaluates.
"""

__version__ = "0.1.0"
