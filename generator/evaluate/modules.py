"""Load the emitted modules: from `generated/` by path or policy id, or from the emitter's text.

Generated modules are plain files, not an installed package, so every caller (the CLI, the
Dask workers, tests, benchmarks) loads them the same way, from here. The build checks each
module against the interpreter before anything is written, and `ratebook diff` evaluates a
base tree that has no generated/ of its own: both load the module from the emitter's text in
memory. That text is ours (policy values enter it only as repr() literals), never policy
text. Standard library only: the one-case CLI imports this.
"""

from __future__ import annotations

import importlib.util
import json
import types
from pathlib import Path


def load_module(path: Path | str):
    path = Path(path)
    spec = importlib.util.spec_from_file_location("ratebook_generated_" + path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} is not a Python module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_index(generated: Path) -> dict:
    return json.loads((Path(generated) / "index.json").read_text(encoding="utf-8"))


def load_policy_module(generated: Path | str, policy_id: str):
    """The generated module of `policy_id` under the `generated/` folder given."""
    entry = read_index(Path(generated))[policy_id]
    return load_module(Path(generated) / entry["module"])


def module_from_text(text: str, name: str) -> types.ModuleType:
    """The module an emitter's text defines, as `import` would make it (not in sys.modules)."""
    module = types.ModuleType(name)
    module.__file__ = f"<generated {name}>"
    exec(compile(text, module.__file__, "exec"), module.__dict__)  # noqa: S102 - generated code, see above
    return module
