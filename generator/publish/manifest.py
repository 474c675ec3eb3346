"""The manifest of a publication: what was published, from which sources, and its checksums.

A receiving system reads `manifest.json` first: which policies (with the sha256 of the source
each was published from), the days each value is in force, the versions of each policy (the
periods in which none of its values changes), the sha256 of every other file so a copy can
be checked, per policy what the DMN does not express and why, and, under `constraints`, each
document of a higher jurisdiction published beside the policies (the sha256 of its source, its
constraints' dates, its targets' deadlines, its files). No timestamp: the same sources give
the same manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from generator.core.findings import Finding
from generator.core.version import __version__
from generator.model.policy import Policy
from generator.publish.json_doc import dumps
from generator.publish.layers import Layer
from generator.publish.tables import CSV_NOTE
from generator.publish.view import iso, periods, versions, window

MANIFEST = "manifest.json"
FORMAT = "ratebook-publication"


def sha256_text(content: str | bytes) -> str:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()


def gap_record(gap: Finding) -> dict:
    """A DMN gap as the manifest lists it: {"what": the thing not expressed, "reason": why}."""
    from generator.core.messages import ENGLISH, in_language

    with in_language(ENGLISH):  # a manifest is compared between publications: its words stay put
        return {"what": str(gap.params["what"]), "reason": gap.message}


def emit_manifest(
    policies: list[Policy],
    files: dict[str, str | bytes],
    formats: list[str],
    on: dt.date | None = None,
    not_in_force: Sequence[Policy] = (),
    dmn_gaps: dict[str, list[Finding]] | None = None,
    chosen: Sequence[Layer] = (),
) -> dict[str, str]:
    """{manifest.json: text} describing `files` (every other file of the publication); the
    documents of higher jurisdictions in `chosen` are listed under `constraints`."""
    entries = {}
    for policy in sorted(policies, key=lambda p: p.id):
        first, last = window(policy, on)
        own = sorted(path for path in files if _belongs(path, policy.id))
        entry = {
            "title": {"zh": policy.title.zh, "en": policy.title.en},
            "source": {"file": policy.file, "sha256": policy.sha256},
            "in_force": {"from": iso(first), "to": iso(last)},
            "versions": [{"from": iso(a), "to": iso(b)} for a, b in versions(policy, on)],
            "values": [
                {
                    "parameter": p.name,
                    "kind": p.kind,
                    "from": iso(period.start),
                    "to": iso(period.end),
                }
                for p in policy.parameters
                for period in periods(p, on)
            ],
            "unnumbered": [p.name for p in policy.parameters if p.unnumbered],
            "files": own,
        }
        if dmn_gaps is not None:
            entry["dmn_not_expressed"] = [gap_record(g) for g in dmn_gaps.get(policy.id, [])]
        entries[policy.id] = entry
    manifest = {
        "format": FORMAT,
        "format_version": 1,
        "generator": f"ratebook {__version__}",
        "on": iso(on),
        "formats": list(formats),
        "note": "every `to` is the last day a value is in force (included); null = no end yet",
        **({"csv": CSV_NOTE} if "csv" in formats else {}),
        "policies": entries,
        "constraints": {
            layer.document.id: {
                "title": {"zh": layer.document.title.zh, "en": layer.document.title.en},
                "source": {"file": layer.document.file, "sha256": layer.document.sha256},
                "constraints": [
                    {"id": c.id, "from": iso(c.start), "to": iso(c.end)} for c in layer.constraints
                ],
                "targets": [{"id": t.id, "deadline": iso(t.deadline)} for t in layer.targets],
                "files": sorted(
                    path
                    for path in files
                    if path.endswith(f"constraints/{layer.document.id}.json")
                    or path.endswith(f"constraints/{layer.document.id}.md")
                ),
            }
            for layer in chosen
        },
        "not_in_force": [
            {"policy": p.id, "in_force_from": iso(p.in_force_from)}
            for p in sorted(not_in_force, key=lambda p: p.id)
        ],
        "files": {path: sha256_text(content) for path, content in sorted(files.items())},
    }
    return {MANIFEST: dumps(manifest)}


def _belongs(path: str, policy_id: str) -> bool:
    """Files are named after their policy: json/<id>.json, csv/<id>/<parameter>.csv, …"""
    name = path.split("/", 1)[1] if "/" in path else path
    return name == policy_id or name.startswith(policy_id + ".") or name.startswith(policy_id + "/")
