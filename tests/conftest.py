"""Shared fixtures: the shipped project loaded once, and its generated modules by policy id."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.evaluate.modules import load_policy_module

ROOT = Path(__file__).resolve().parent.parent

# The tests pin ratebook's English words: on a machine whose locale is Chinese they still read
# English (a test of the Chinese sets the language itself). Subprocesses inherit this too.
os.environ["RATEBOOK_LANG"] = "en"


@pytest.fixture(autouse=True)
def _language_from_the_environment():
    """A command run with --lang (or a test) chooses the language for the process: undo it."""
    yield
    from generator.core.messages import set_language

    set_language(None)


@pytest.fixture(scope="session")
def project():
    from generator.checks.project import load_project

    loaded = load_project(ROOT)
    assert loaded.ok, "\n".join(str(f) for f in loaded.findings.errors)
    return loaded


def load_generated(policy_id: str):
    return load_policy_module(ROOT / "generated", policy_id)


@pytest.fixture(scope="session")
def generated():
    cache: dict = {}

    def get(policy_id: str):
        if policy_id not in cache:
            cache[policy_id] = load_generated(policy_id)
        return cache[policy_id]

    return get
