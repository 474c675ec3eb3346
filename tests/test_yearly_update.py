"""The README's yearly update, made to a copy of the project, leaves everything green.

The officer's change of the README's worked examples (a 2013 standard in
`unemployment/benefit.yaml` with its example case; 2013 brackets and an example case in the
secondary compensation workbook) is applied to a copy of the project; there `ratebook
validate`, `build` and `test` pass, and so do the project tests (`tests/test_project.py`,
every check the suite makes of a project without pinning its numbers), run on the copy in a
fresh pytest: `python -m pytest -m project --project-root=COPY`. The other tests read their own
fixtures (see tests/conftest.py), so the change cannot reach them; the seed-rule cases
(`tests/test_seed_rules.py`) are the only ones that may need updating with a policy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from click.testing import CliRunner

import cli

from . import conftest
from .yearly_update import apply_yearly_update


def test_the_readme_yearly_update_leaves_the_checks_and_the_project_tests_green(tmp_path):
    copy = tmp_path / "project"
    for folder in ("policies", "generated"):
        shutil.copytree(
            conftest.PROJECT_ROOT / folder,
            copy / folder,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    apply_yearly_update(copy)

    def ratebook(*args: str):
        result = CliRunner().invoke(cli.main, ["--root", str(copy), *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    assert ratebook("validate").startswith("ok: ")
    assert "changed" in ratebook("build")
    ratebook("test")
    assert "5400.00" in ratebook(
        "eval",
        "medical.secondary_compensation",
        "--set",
        "scheme=employee",
        "--set",
        "out_of_pocket=35000",
        "--on",
        "2013-01-01",
    )
    assert "560.00" in ratebook(
        "eval",
        "unemployment.benefit",
        "--set",
        "min_living_standard=300",
        "--set",
        "min_wage=1140",
        "--on",
        "2013-01-01",
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-m",
            "project",
            f"--project-root={copy}",
            str(conftest.REPO / "tests" / "test_project.py"),
        ],
        cwd=conftest.REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "RATEBOOK_LANG": "en"},
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout
