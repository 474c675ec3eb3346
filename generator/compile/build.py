"""Everything `ratebook build` writes under `generated/`, as {path: text or bytes}.

One module, two schemas and a test table per policy, plus the index the CLI reads to find a
policy's module and to tell whether its source changed since the build.
"""

from __future__ import annotations

import json

from generator.checks.project import Project
from generator.compile.case_schema import case_schema, dumps, result_schema
from generator.compile.python_module import emit_module
from generator.compile.test_tables import emit_tables
from generator.model.policy import Policy


def module_path(policy: Policy) -> str:
    area, name = policy.id.split(".", 1)
    return f"{area}/{name}.py"


def emit_all(project: Project) -> dict[str, str | bytes]:
    """{path under generated/: text (bytes for workbooks)} for every policy, plus the index the CLI reads."""
    files: dict[str, str | bytes] = {}
    index = {}
    for policy in sorted(project.policies, key=lambda p: p.id):
        module = module_path(policy)
        files[module] = emit_module(policy)
        files[f"schemas/{policy.id}.case.schema.json"] = dumps(case_schema(policy))
        files[f"schemas/{policy.id}.result.schema.json"] = dumps(result_schema(policy))
        files.update(emit_tables(policy))  # tables/<id>.csv and .xlsx (bytes)
        index[policy.id] = {
            "module": module,
            "source": policy.file,
            "source_sha256": policy.sha256,
            "title": {"zh": policy.title.zh, "en": policy.title.en},
            "inputs": [f.name for f in policy.inputs],
            "outputs": [f.name for f in policy.outputs],
            # what a person reads for each input and output (`eval` shows the label in Chinese)
            "labels": {
                **{f.name: {"zh": f.label.zh, "en": f.label.en} for f in policy.inputs},
                **{f.name: {"zh": f.label.zh, "en": f.label.en} for f in policy.outputs},
            },
        }
    files["index.json"] = json.dumps(index, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return files
