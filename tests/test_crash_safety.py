"""A build or a batch killed at any moment (kill -9) leaves nothing half-written.

`ratebook build` replaces `generated/` as a whole (`core.tree_swap`): after a kill a reader
finds the old tree or the new one, never a mix, and the next build removes what the killed one
left. A batch writes its results and errors under `.partial` names and renames them when
complete: after a kill each output file is absent (or as before) or complete, and the next run
removes the dead run's `.partial` files and nobody else's.

Kills are real (SIGKILL to a `ratebook` subprocess) at random moments, and also at every step
of the swap itself (a forked child that dies at the Nth file-system step), where a random
moment would rarely land. The projects are small copies of the fixture project.
"""

from __future__ import annotations

import csv
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.core import files, tree_swap
from generator.evaluate.modules import generated_folder

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "project"
POLICIES = ("unemployment/benefit.yaml", "platform/staffing.yaml")
RATEBOOK = [sys.executable, "-c", "import sys; from cli import main; sys.exit(main())"]
REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="kills need POSIX processes")


def ratebook(root: Path, *args: str, **options) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "RATEBOOK_LANG": "en"}
    return subprocess.Popen(
        [*RATEBOOK, "--root", str(root), *args],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        **options,
    )


def finished(process: subprocess.Popen) -> None:
    try:
        _, err = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
    assert process.returncode == 0, err.decode()


def small_project(folder: Path) -> Path:
    for relative in POLICIES:
        (folder / "policies" / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURE / "policies" / relative, folder / "policies" / relative)
    return folder


def change_policy(root: Path) -> None:
    """A yearly update: a new dated standard, so the module, index and tables all change."""
    path = root / "policies/unemployment/benefit.yaml"
    text = path.read_text(encoding="utf-8")
    old = "      - {from: 2012-07-01, value: 520}\n"
    assert old in text
    path.write_text(text.replace(old, old + "      - {from: 2013-01-01, value: 560}\n"), "utf-8")


def tree_hash(folder: Path) -> str:
    """Every file of a tree but Python's caches, paths and bytes."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def leftovers(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.name.startswith(".tmp-") or p.name.endswith(".partial")
    )


@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    """The generated tree of the small project before and after the change, built for real."""
    old = small_project(tmp_path_factory.mktemp("old"))
    finished(ratebook(old, "build"))
    new = small_project(tmp_path_factory.mktemp("new"))
    change_policy(new)
    finished(ratebook(new, "build"))
    return old, tree_hash(old / "generated"), tree_hash(new / "generated")


def test_a_build_killed_at_random_moments_leaves_the_old_tree_or_the_new(trees, tmp_path):
    old, old_hash, new_hash = trees
    assert old_hash != new_hash
    root = small_project(tmp_path / "project")
    change_policy(root)
    started = time.monotonic()
    finished(ratebook(root, "build"))
    seconds = time.monotonic() - started
    chance = random.Random(12)
    seen = set()
    for _ in range(12):
        shutil.rmtree(root / "generated")
        shutil.copytree(old / "generated", root / "generated")
        build = ratebook(root, "build")
        time.sleep(chance.uniform(0.3, 1.1) * seconds)  # mostly late: writing and swapping
        build.send_signal(signal.SIGKILL)
        build.wait()
        found = tree_hash(generated_folder(root))
        assert found in (old_hash, new_hash), leftovers(root)
        seen.add("new" if found == new_hash else "old")
    finished(ratebook(root, "build"))  # the next run
    assert tree_hash(root / "generated") == new_hash
    assert leftovers(root) == []
    assert seen  # which of the two each kill left depends on the machine's speed


def _die_at_step(step: int, target: Path, files_: dict, exchange: bool) -> int:
    """Fork a child that replaces `target` and dies (like a kill -9: no cleanup) at its
    `step`-th file-system step; the child's exit status (0: it finished first)."""
    pid = os.fork()
    if pid == 0:  # the child
        try:
            count = [0]

            def stepping(function):
                def step_then(*args, **kwargs):
                    count[0] += 1
                    if count[0] == step:
                        os._exit(9)
                    return function(*args, **kwargs)

                return step_then

            tree_swap.os = _Stepping(os, stepping)  # type: ignore[attr-defined]
            shutil.rmtree = stepping(shutil.rmtree)  # type: ignore[assignment]  (the child only)
            tree_swap._exchange = stepping(tree_swap._exchange if exchange else lambda a, b: False)
            with tree_swap.exclusive(target.parent):
                tree_swap.recover(target)
                tree_swap.replace(target, files_)
        except BaseException:
            os._exit(3)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


class _Stepping:
    """`os` with the calls that change the file system counted as steps."""

    def __init__(self, module, stepping):
        self._module = module
        for name in ("rename", "replace", "fsync", "open", "mkdir", "unlink", "rmdir"):
            setattr(self, name, stepping(getattr(module, name)))

    def __getattr__(self, name):
        return getattr(self._module, name)


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2-exchange", "three-renames"])
def test_a_build_killed_at_each_step_of_the_swap(tmp_path, exchange):
    """Every step of writing and swapping, with the one-step exchange and with the three
    renames used where it is missing; a reader's view after each kill is one whole tree."""
    old_files = {"index.json": b"old index\n", "a/x.py": b"old x\n", "a/gone.py": b"old gone\n"}
    new_files = {"index.json": b"new index\n", "a/x.py": b"new x\n", "b/y.csv": b"new y\n"}
    old_tree, new_tree = tmp_path / "old", tmp_path / "new"
    for tree, content in ((old_tree, old_files), (new_tree, new_files)):
        for relative, data in content.items():
            (tree / relative).parent.mkdir(parents=True, exist_ok=True)
            (tree / relative).write_bytes(data)
    want = {tree_hash(old_tree): "old", tree_hash(new_tree): "new"}
    project = tmp_path / "project"
    project.mkdir()
    target = project / "generated"
    outcomes = []
    for step in range(1, 200):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(old_tree, target)
        status = _die_at_step(step, target, new_files, exchange)
        assert status in (0, 9), status
        outcomes.append(want.get(tree_hash(tree_swap.current(target)), "a mix"))
        assert outcomes[-1] != "a mix", (step, sorted(p.name for p in project.iterdir()))
        with tree_swap.exclusive(project):
            tree_swap.recover(target)  # what the next build does first
        assert [p.name for p in project.iterdir()] == ["generated"]
        assert want.get(tree_hash(target)) == outcomes[-1]
        if status == 0:
            break
    else:
        pytest.fail("the swap never finished")
    assert outcomes[0] == "old" and outcomes[-1] == "new"
    assert outcomes == sorted(outcomes, key=["old", "new"].index)  # old until the swap, then new


def test_the_next_build_keeps_what_is_not_ours(tmp_path):
    """A file beside generated/ or in it that no build writes stays; stale temporaries go."""
    project = tmp_path
    target = project / "generated"
    (target / "a").mkdir(parents=True)
    (target / "a/x.py").write_bytes(b"x")
    (target / "NOTES.txt").write_bytes(b"a person's note")  # not a generated kind of file
    (target / "a/.tmp-k3j2h1.py").write_bytes(b"half")  # an earlier version's temporary
    (project / ".tmp-generated-new-1-ab").mkdir()  # a killed build's
    (project / ".tmp-notes").write_bytes(b"not a folder of ours")
    (project / "generated-backup").mkdir()
    drift = files.replace_tree(target, {"a/x.py": "y", "b.json": "{}"})
    assert (drift.changed, drift.missing) == (["a/x.py"], ["b.json"])
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == [
        "NOTES.txt",
        "a",
        "a/x.py",
        "b.json",
    ]
    assert sorted(p.name for p in project.iterdir()) == [
        ".tmp-notes",
        "generated",
        "generated-backup",
    ]


def _cases(path: Path, rows: int) -> None:
    chance = random.Random(5)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["on", "min_living_standard", "min_wage"])
        for _ in range(rows):  # all valid (minimum wage ≥ 1.3 × 450): every row is a result
            writer.writerow(["2012-08-01", chance.randint(200, 450), chance.randint(585, 1500)])


def test_a_batch_killed_at_random_moments_leaves_no_partial_output(tmp_path):
    root = small_project(tmp_path / "project")
    finished(ratebook(root, "build"))
    rows = 100_000
    _cases(root / "cases.csv", rows)
    started = time.monotonic()
    args = ("eval", "unemployment.benefit", "--cases", "cases.csv")
    finished(ratebook(root, *args, "--out", "reference.csv"))
    seconds = time.monotonic() - started
    reference = (root / "reference.csv").read_bytes()
    assert reference.count(b"\n") == rows + 1
    (root / "mine.partial").write_bytes(b"a user's file")  # not a name ratebook makes
    (root / ".results.csv.ratebook-notes.partial").write_bytes(b"nor this")
    chance = random.Random(7)
    for _ in range(6):
        run = ratebook(root, *args, "--out", "results.csv")
        time.sleep(chance.uniform(0.2, 1.1) * seconds)
        run.send_signal(signal.SIGKILL)
        run.wait()
        if (root / "results.csv").exists():  # complete, or absent
            assert (root / "results.csv").read_bytes() == reference
            (root / "results.csv").unlink()
            if (root / "results.errors.csv").exists():
                (root / "results.errors.csv").unlink()
    live = files.Partial(root / "other.csv")  # a live writer's temporary is not touched
    finished(ratebook(root, *args, "--out", "results.csv"))  # the next run
    assert (root / "results.csv").read_bytes() == reference
    assert sorted(p.name for p in root.iterdir() if p.name.endswith(".partial")) == sorted(
        [".results.csv.ratebook-notes.partial", "mine.partial", live.temporary.name]
    )
    live.abort()
    assert not live.temporary.exists()


def test_a_module_of_another_build_than_the_index_read_is_refused(tmp_path):
    """A build that swaps the tree between a reader's reading the index and loading a module
    would pair one build's index with another's module: the module's own source hash says so."""
    from generator.checks.project import load_project
    from generator.compile.build import emit_all
    from generator.core.errors import RatebookError
    from generator.evaluate.modules import generated_module, project_index

    root = small_project(tmp_path)
    files.replace_tree(root / "generated", emit_all(load_project(root)))
    entry = project_index(root)["unemployment.benefit"]
    assert generated_module(root, entry).POLICY_ID == "unemployment.benefit"
    with pytest.raises(RatebookError) as caught:
        generated_module(root, {**entry, "source_sha256": "0" * 64})
    assert "was replaced by a build while this command read it" in str(caught.value.findings[0])
