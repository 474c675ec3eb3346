"""Load the emitted modules: from `generated/` by path or policy id, or from the emitter's text.

Generated modules are plain files, not an installed package, so every caller (the CLI, the
Dask workers, tests, benchmarks) loads them the same way, from here. The build checks each
module against the interpreter before anything is written, and `ratebook diff` evaluates a
base tree that has no generated/ of its own: both load the module from the emitter's text in
memory. That text is ours (policy values enter it only as repr() literals), never policy
text. Standard library only: the one-case CLI imports this.

A project's `generated/index.json` says, for each policy, its module and the hash of the
source it was built from; `source_is_current` compares that hash with the source on disk, so
a command can tell whether the module still says what the policy says.

`ratebook build` replaces `generated/` as a whole (`core.tree_swap`); a reader finds the tree
with `generated_folder`, which applies the recovery rule when a build was killed in the middle
of a swap. A build that swaps the tree between a reader's reading the index and its loading a
module would hand it a module of the other tree: `generated_module` checks the module's own
source hash against the index entry's and refuses such a pair.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import types
from pathlib import Path

from generator.core.errors import RatebookError
from generator.core.tree_swap import current

GENERATED = "generated"


def load_module(path: Path | str):
    path = Path(path)
    spec = importlib.util.spec_from_file_location("ratebook_generated_" + path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} is not a Python module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generated_folder(root: Path) -> Path:
    """The folder holding the project's current generated tree (normally `root/generated`)."""
    return current(Path(root) / GENERATED)


def read_index(generated: Path) -> dict:
    return json.loads((Path(generated) / "index.json").read_text(encoding="utf-8"))


def project_index(root: Path) -> dict:
    """The index of the project's generated/; RatebookError saying to build when it is missing
    or unreadable."""
    path = root / GENERATED / "index.json"
    try:
        return read_index(generated_folder(root))
    except FileNotFoundError:
        raise _failure("index-missing", path=path) from None
    except (OSError, ValueError) as exc:
        raise _failure("index-unreadable", path=path, reason=str(exc)) from None


def policy_entry(index: dict, policy_id: str) -> dict:
    """The index entry of `policy_id`; RatebookError listing the policies when there is none."""
    entry = index.get(policy_id)
    if entry is None:
        from generator.core.values import did_you_mean

        raise _failure(
            "unknown-policy",
            policy=policy_id,
            policies=", ".join(sorted(index)),
            hint=did_you_mean(policy_id, sorted(index)),
        )
    return entry


def _failure(key: str, /, **params: object) -> RatebookError:
    """One line about the command, made only when it fails (findings load the dataclasses a
    fast one-case `eval` does without)."""
    from generator.core.findings import summary

    return RatebookError([summary(key, **params)])


def generated_module(root: Path, entry: dict) -> types.ModuleType:
    """The generated module of an index entry; RatebookError when it is not the module the
    entry was written with (a build replaced generated/ in between: run the command again)."""
    module = load_module(generated_folder(root) / entry["module"])
    if getattr(module, "SOURCE_SHA256", entry["source_sha256"]) != entry["source_sha256"]:
        raise _failure("generated-replaced", module=entry["module"])
    return module


def source_is_current(root: Path, entry: dict) -> bool:
    """Whether the policy source on disk is the one its generated module was built from."""
    try:
        return (
            hashlib.sha256((root / entry["source"]).read_bytes()).hexdigest()
            == entry["source_sha256"]
        )
    except OSError:
        return False


def load_policy_module(generated: Path | str, policy_id: str):
    """The generated module of `policy_id` under the `generated/` folder given."""
    generated = current(Path(generated))
    entry = read_index(generated)[policy_id]
    return load_module(generated / entry["module"])


def module_from_text(text: str, name: str) -> types.ModuleType:
    """The module an emitter's text defines, as `import` would make it (not in sys.modules)."""
    module = types.ModuleType(name)
    module.__file__ = f"<generated {name}>"
    exec(compile(text, module.__file__, "exec"), module.__dict__)  # noqa: S102 - generated code, see above
    return module
