"""Shared fixtures, and which project each test reads.

The tests are split so that an officer's correct change to a shipped policy (a new dated
value, new brackets, a changed rate) never turns them red:

- **Machinery tests** (nearly all) read the fixture project: `tests/fixtures/project/policies`,
  a frozen copy of the policies as they were when the tests were written, built into a
  temporary folder once per run (`ROOT` below: its `policies/` and `generated/`). They pin
  amounts, dates and brackets of those copies, never of `policies/`. Do not update the copies
  when a shipped policy changes; change them only when a test needs another fixture.
- **Seed rules** (`tests/test_seed_rules.py`, marker `seed_rules`): hand-computed cases from
  `../shared/RULES.md`, each citing its rule and clause, against the shipped policies of the
  project. They may depend on the shipped values, because they check the seeds' rules: when
  the law changes, update these cases together with the policy.
- **Project tests** (`tests/test_project.py`, marker `project`): what must hold for any
  correct project whatever its numbers (valid, built and current, every example and test-table
  row the same through every path). They read the project at `--project-root` (default: this
  repository). `tests/test_yearly_update.py` applies the README's yearly update to a copy of
  the project and runs them on it: `python -m pytest -m project --project-root=COPY`.

`REPO` is this repository (its code, schemas, README, `tests/excel` fixtures).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from generator.evaluate.modules import load_policy_module

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "project"

# The fixture project, built: set by pytest_configure before any test module is imported.
ROOT: Path = FIXTURE
# The project the project tests and the seed rules read (--project-root).
PROJECT_ROOT: Path = REPO

# The tests pin ratebook's English words: on a machine whose locale is Chinese they still read
# English (a test of the Chinese sets the language itself). Subprocesses inherit this too.
os.environ["RATEBOOK_LANG"] = "en"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--project-root",
        default=str(REPO),
        help="the project (policies/ and generated/) the project tests and seed rules read",
    )


def pytest_configure(config: pytest.Config) -> None:
    global ROOT, PROJECT_ROOT
    PROJECT_ROOT = Path(config.getoption("--project-root")).resolve()
    ROOT = build_fixture_project(Path(tempfile.mkdtemp(prefix="ratebook-fixture-")))
    config.add_cleanup(lambda: shutil.rmtree(ROOT.parent, ignore_errors=True))


# what the fixture project has of its own; everything else of the repository is linked into it
_OWN = {"policies", "generated", ".git", ".venv", ".hypothesis", ".pytest_cache", ".ruff_cache"}


def build_fixture_project(folder: Path) -> Path:
    """A copy of the fixture project in `folder`, with its generated/ as `ratebook build`
    writes it. The rest of the repository (tests/, schemas/, the code) is linked into it, so
    `ROOT / "tests/..."` and `ROOT / "schemas"` name the repository's own files."""
    from generator.checks.project import load_project
    from generator.compile.build import emit_all
    from generator.core.files import replace_tree

    root = folder / "project"
    shutil.copytree(FIXTURE / "policies", root / "policies")
    for entry in REPO.iterdir():
        if entry.name not in _OWN and not entry.name.endswith(".egg-info"):
            (root / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    loaded = load_project(root)
    assert loaded.ok, "\n".join(str(f) for f in loaded.findings.errors)
    replace_tree(root / "generated", emit_all(loaded))
    return root


@pytest.fixture(autouse=True)
def _language_from_the_environment():
    """A command run with --lang (or a test) chooses the language for the process: undo it."""
    yield
    from generator.core.messages import set_language

    set_language(None)


@pytest.fixture(scope="session")
def project():
    """The fixture project, loaded once."""
    from generator.checks.project import load_project

    loaded = load_project(ROOT)
    assert loaded.ok, "\n".join(str(f) for f in loaded.findings.errors)
    return loaded


@pytest.fixture
def copy_of_project(tmp_path: Path) -> Path:
    """A copy of the built fixture project (policies, constraints, generated) to change."""
    for folder in ("policies", "constraints", "generated"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


@pytest.fixture(scope="module")
def consumers_project(tmp_path_factory) -> Path:
    """tests/consumers/policies (the policies the published readers are tried on), built."""
    from click.testing import CliRunner

    import cli

    root = tmp_path_factory.mktemp("consumers")
    shutil.copytree(REPO / "tests/consumers/policies", root / "policies")
    result = CliRunner().invoke(cli.main, ["--root", str(root), "build"])
    assert result.exit_code == 0, result.output
    return root


def load_generated(policy_id: str):
    """A generated module of the fixture project."""
    return load_policy_module(ROOT / "generated", policy_id)


@pytest.fixture(scope="session")
def generated():
    cache: dict = {}

    def get(policy_id: str):
        if policy_id not in cache:
            cache[policy_id] = load_generated(policy_id)
        return cache[policy_id]

    return get
