"""Shared fixtures: the shipped project loaded once, and its generated modules by policy id."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def project():
    from generator.pipeline import load_project

    loaded = load_project(ROOT)
    assert loaded.ok, "\n".join(str(f) for f in loaded.findings.errors)
    return loaded


def load_generated(policy_id: str):
    index = json.loads((ROOT / "generated" / "index.json").read_text(encoding="utf-8"))
    path = ROOT / "generated" / index[policy_id]["module"]
    spec = importlib.util.spec_from_file_location("gen_" + policy_id.replace(".", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def generated():
    cache: dict = {}

    def get(policy_id: str):
        if policy_id not in cache:
            cache[policy_id] = load_generated(policy_id)
        return cache[policy_id]

    return get
