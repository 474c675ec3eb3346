"""`ratebook publish`: choose the policies and formats, run the emitters, add the manifest.

The documents of higher jurisdictions travel with the policies (`layers`, `layers_book`):
all of them, or, when policies are named, those holding a rule one of them keeps.

Everything here is pure except reading the published JSON Schema that travels with the JSON
files; `output.write` puts the result on disk. Problems the user can fix (an unknown policy
or format, nothing in force on the date, a target folder that holds something else) are
raised as `PublishError` with a finding, for the CLI to show.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.core.findings import NOTE, NOWHERE, Finding, RatebookError, finding, summary
from generator.core.messages import Message
from generator.core.schema_files import PUBLISHED_CONSTRAINTS_SCHEMA, PUBLISHED_SCHEMA, schema_text
from generator.model.constraints import ConstraintDocument
from generator.model.policy import Policy
from generator.publish.dmn.decisions import build_dmn, dmn_path
from generator.publish.json_doc import SCHEMA_FILE, emit_json
from generator.publish.layers import SCHEMA_FILE as LAYERS_SCHEMA_FILE
from generator.publish.layers import Layer, emit_layers, layers, published_rules, subject_to_entries
from generator.publish.manifest import FORMAT as MANIFEST_FORMAT
from generator.publish.manifest import MANIFEST, emit_manifest
from generator.publish.markdown import emit_markdown
from generator.publish.tables import emit_advice_csv, emit_csv, emit_xlsx
from generator.publish.view import in_force_on

FORMATS = ("json", "csv", "xlsx", "dmn", "md")


class PublishError(RatebookError):
    """A request `ratebook publish` cannot carry out; its one finding says what to change."""

    def __init__(self, key: str, exit_code: int = 1, /, **params: object):
        super().__init__([summary(key, **params)], exit_code)


@dataclass
class Publication:
    files: dict[str, str | bytes]
    policies: list[Policy]
    not_in_force: list[Policy] = field(default_factory=list)
    dmn_gaps: dict[str, list[Finding]] = field(default_factory=dict)
    layers: list[Layer] = field(default_factory=list)  # documents of higher jurisdictions


def parse_formats(text: str) -> list[str]:
    """'json,dmn' -> ['json', 'dmn'] in the canonical order; unknown names are an error."""
    asked = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [a for a in asked if a not in FORMATS]
    if not asked:
        raise PublishError("publish-format.none", 2, formats=", ".join(FORMATS))
    if unknown:
        raise PublishError(
            "publish-format",
            2,
            unknown=", ".join(repr(u) for u in unknown),
            formats=", ".join(FORMATS),
        )
    return [f for f in FORMATS if f in asked]


def select(policies: list[Policy], ids: tuple | list) -> list[Policy]:
    """The policies named (all when none is), in id order."""
    known = {p.id: p for p in policies}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise PublishError(
            "publish-policy",
            unknown=", ".join(repr(u) for u in unknown),
            policies=", ".join(sorted(known)),
        )
    chosen = [known[i] for i in dict.fromkeys(ids)] if ids else list(known.values())
    return sorted(chosen, key=lambda p: p.id)


def kept_documents(
    documents: Sequence[ConstraintDocument], policies: list[Policy]
) -> list[ConstraintDocument]:
    """The documents holding a rule one of `policies` keeps: what a publication of named
    policies carries of the higher layer, so that each of their `subject_to` resolves."""
    kept = {s.rule for p in policies for s in p.subject_to}
    return [d for d in documents if any(c.id in kept for c in d.constraints)]


def published_schema() -> str:
    return schema_text(PUBLISHED_SCHEMA)


def publish(
    policies: list[Policy],
    formats: list[str],
    on: dt.date | None = None,
    schema_text: str | None = None,
    documents: Sequence[ConstraintDocument] = (),
    every_policy: Sequence[Policy] | None = None,
) -> Publication:
    """Every file of the publication, manifest included. `documents` are the project's
    documents of higher jurisdictions, published beside the policies (what of them is in
    force on `on`); `every_policy` the project's policies, published or not, so that each
    binding says whether its policy accepts the rule (default: `policies`)."""
    in_force = [p for p in policies if on is None or in_force_on(p, on)]
    skipped = [p for p in policies if p not in in_force]
    if not in_force:
        starts = ", ".join(
            str(
                Message("publish-starts", policy=p.id, date=p.in_force_from.isoformat())
                if p.in_force_from
                else Message("publish-starts.never", policy=p.id)
            )
            for p in skipped
        )
        day = on.isoformat() if on else Message("words.any-day")
        raise PublishError("publish-not-in-force", on=day, starts=starts)
    chosen = layers(list(documents), on)
    rules = published_rules(chosen)
    every = list(every_policy) if every_policy is not None else policies
    files: dict[str, str | bytes] = {}
    gaps: dict[str, list[Finding]] = {}
    for policy in in_force:
        if "json" in formats:
            files.update(emit_json(policy, on, subject_to_entries(policy, rules, on)))
        if "csv" in formats:
            files.update(emit_csv(policy, on))
        if "xlsx" in formats:
            files.update(emit_xlsx(policy, on))
        if "dmn" in formats:
            text, gaps[policy.id] = build_dmn(policy, on)
            files[dmn_path(policy)] = text
    if "csv" in formats:
        files.update(emit_advice_csv(in_force))
    if "md" in formats:
        files.update(emit_markdown(in_force, on, chosen, every))
    files.update(emit_layers(chosen, every, formats, on))
    if "json" in formats:
        files[SCHEMA_FILE] = schema_text if schema_text is not None else published_schema()
        if chosen:
            files[LAYERS_SCHEMA_FILE] = _schema(PUBLISHED_CONSTRAINTS_SCHEMA)
    files.update(
        emit_manifest(
            in_force, files, formats, on, skipped, gaps if "dmn" in formats else None, chosen
        )
    )
    return Publication(files, in_force, skipped, gaps, chosen)


def _schema(name: str) -> str:
    from generator.core.schema_files import schema_text as read

    return read(name)


def check_target(target: Path) -> None:
    """Refuse a folder that holds files but no earlier publication: writing makes the folder
    hold exactly the publication, so it would delete files that are not ours."""
    if not target.exists():
        return
    if not target.is_dir():
        raise PublishError("publish-target.not-folder", target=target)
    if not any(target.iterdir()):
        return
    manifest = target / MANIFEST
    try:
        earlier = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        earlier = None
    if not isinstance(earlier, dict) or earlier.get("format") != MANIFEST_FORMAT:
        raise PublishError("publish-target.foreign", target=target, manifest=MANIFEST)


def skipped_notes(publication: Publication, on: dt.date) -> list[Finding]:
    """A note for each policy left out because it is not in force on `on`."""
    return [
        finding(
            "publish-skipped",
            NOWHERE,
            NOTE,
            policy=p.id,
            on=on.isoformat(),
            start=p.in_force_from.isoformat(),
        )
        if p.in_force_from
        else finding("publish-skipped.never", NOWHERE, NOTE, policy=p.id, on=on.isoformat())
        for p in publication.not_in_force
    ]


def prune_empty_folders(target: Path) -> None:
    """Remove folders a new publication left empty (a format or policy no longer published)."""
    for folder in sorted(
        (p for p in target.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True
    ):
        if not any(folder.iterdir()):
            folder.rmdir()
