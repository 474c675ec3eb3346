"""The wheel: an installed ratebook, with no repository beside it, still validates policies.

The policy format's schemas live in the repository's top-level schemas/ folder and are mapped
into the wheel as generator/schemas; the package list in pyproject.toml is written out for
that mapping. These tests build the wheel from a copy of the sources (so the working tree
gets no build/ folder), unpack it and run the unpacked copy alone.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO, ROOT

pytestmark = pytest.mark.wheel

SCHEMAS = sorted(p.name for p in (REPO / "schemas").glob("*.json"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "cli.py"):
        shutil.copy2(REPO / name, source / name)
    for folder in ("generator", "schemas"):
        shutil.copytree(
            REPO / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(source), "-w", str(out)],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("ratebook-*.whl")
    return built


def test_the_wheel_holds_every_module_of_the_source_tree_and_the_schemas(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "generator").rglob("*.py")}
    missing = sorted(modules - names)
    assert not missing, f"not in the wheel (add the package to pyproject.toml): {missing}"
    assert "cli.py" in names
    assert {f"generator/schemas/{name}" for name in SCHEMAS} <= names
    assert "generator/core/locale/en/LC_MESSAGES/ratebook.po" in names  # every message's words
    assert "generator/core/locale/en/LC_MESSAGES/ratebook.mo" in names  # what runs
    # the desk's templates and what the browser loads (the chart library with its licence)
    assets = {
        p.relative_to(ROOT).as_posix()
        for folder in ("generator/serve/static", "generator/serve/desk/templates")
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert "generator/serve/static/echarts/LICENSE" in assets
    assert not sorted(assets - names), "desk assets not in the wheel (package-data)"


@pytest.mark.parametrize(
    ("text", "expected", "code"),
    [
        ("", "ok: 1 policies valid", 0),
        ("bogus_key: 1\n", "unknown key 'bogus_key'", 1),
    ],
    ids=["valid", "schema-error"],
)
def test_the_unpacked_wheel_alone_validates_a_policy_against_its_packaged_schema(
    wheel, tmp_path, text, expected, code
):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    project = tmp_path / "project"
    policy = project / "policies" / "unemployment" / "benefit.yaml"
    policy.parent.mkdir(parents=True)
    policy.write_text(
        (ROOT / "policies/unemployment/benefit.yaml").read_text(encoding="utf-8") + text,
        encoding="utf-8",
    )
    # Only the unpacked copy is importable as `generator`: the repository is not on the path
    # and there is no schemas/ folder beside the copy to fall back on.
    script = (
        "import sys; sys.path.insert(0, sys.argv.pop(1)); "
        "import generator, cli; "
        "assert generator.__file__.startswith(sys.path[0]), generator.__file__; "
        "cli.main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(site), "--root", str(project), "validate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == code, result.stderr
    assert expected in result.stdout + result.stderr
    assert not (tmp_path / "schemas").exists()
