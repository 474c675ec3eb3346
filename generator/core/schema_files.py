"""The JSON Schemas of the policy format, found where ratebook runs from.

The repository keeps them in its top-level `schemas/` folder, the one source that people and
other tools read; a wheel carries the same files inside the package as `generator/schemas/`
(pyproject.toml maps the folder there), because an installed ratebook has no repository
beside it. The installed copy is looked for first, then the repository's folder.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

POLICY_SCHEMA = "policy.schema.json"
PUBLISHED_SCHEMA = "published-policy.schema.json"
PUBLISHED_CONSTRAINTS_SCHEMA = "published-constraints.schema.json"
CONSTRAINTS_SCHEMA = "constraints.schema.json"

_REPOSITORY_FOLDER = Path(__file__).resolve().parents[2] / "schemas"


def schema_text(name: str) -> str:
    """The text of the schema file `name` (e.g. POLICY_SCHEMA)."""
    packaged = resources.files("generator").joinpath("schemas").joinpath(name)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (_REPOSITORY_FOLDER / name).read_text(encoding="utf-8")
