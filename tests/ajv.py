"""Real ajv (JavaScript's JSON Schema validator) in strict mode, when the machine has it.

.ci/run installs ajv with npm into .ci/node (package.json and its lock there); a machine
without node or that folder skips what needs it, and the Python emulation of ajv's strict
rules (tests/test_schemas_strict.py) still runs everywhere.
"""

from __future__ import annotations

import json
import shutil
import subprocess

from .conftest import ROOT

SCRIPT = ROOT / "tests" / "consumers" / "ajv_strict.js"
INSTALLED = ROOT / ".ci" / "node" / "node_modules" / "ajv" / "package.json"


def available() -> bool:
    return shutil.which("node") is not None and INSTALLED.is_file()


def ajv(schemas: dict[str, dict], documents: list[tuple[str, object]] = ()) -> dict:
    """Compile each of `schemas` (name -> schema) with ajv in strict mode and validate each
    (schema name, data) of `documents`: {"schemas": {name: error or None}, "documents":
    [errors or None, …]}."""
    done = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps({"schemas": schemas, "documents": list(documents)}),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    )
    return json.loads(done.stdout)
