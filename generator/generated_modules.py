"""Load the emitted modules of `generated/` by path or by policy id.

Generated modules are plain files, not an installed package, so every caller (the CLI, the
Dask workers, tests, benchmarks) loads them the same way, from here. Standard library only:
the one-case CLI imports this.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path


def load_module(path: Path | str):
    path = Path(path)
    spec = importlib.util.spec_from_file_location("ratebook_generated_" + path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_index(generated: Path) -> dict:
    return json.loads((Path(generated) / "index.json").read_text(encoding="utf-8"))


def load_policy_module(generated: Path | str, policy_id: str):
    """The generated module of `policy_id` under the `generated/` folder given."""
    entry = read_index(Path(generated))[policy_id]
    return load_module(Path(generated) / entry["module"])
