"""The `ratebook` command: a thin entry over `generator.cli`, one module per command group.

0 ok; 1 an invalid policy, a failed check or a case that cannot be evaluated; 2 wrong usage.
`ratebook eval` for one case imports only the generated module and `generator.runtime`, so it
starts fast; the YAML reader, jsonschema and the interpreter load only when needed.
"""

from generator.cli import (  # noqa: F401  (they register)
    convert,
    evaluate,
    indicators,
    policies,
    publish,
    regress,
    serve,
)
from generator.cli.app import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
