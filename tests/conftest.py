"""Shared fixtures: the shipped project loaded once, and its generated modules by policy id."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.evaluate.modules import load_policy_module

ROOT = Path(__file__).resolve().parent.parent


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
