"""The rule book's pages of the higher jurisdictions, in Chinese and English.

One page per constraints document (`md/<lang>/constraints/<document>.md`): its source, its
notes, each floor or ceiling with the source's words, the bound as the checks word it
(不低于 70 yuan/month（提高到）), the days it is in force and the local policies it binds,
each linked to its page, with whether the policy accepts the rule and why it is assumed when
it is; then the targets with their deadlines. The index lists the documents, and each bound
policy's page has a section naming the rules it keeps (`subject_to_lines`), linking here.
Rendered in the language of the pages being written (see `markdown.emit_markdown`).
"""

from __future__ import annotations

import datetime as dt

from generator.checks.layers import bound_words, citation, shown_figure
from generator.core.messages import words
from generator.model.constraints import Constraint, ConstraintDocument
from generator.model.policy import Policy
from generator.publish.layers import Layer, document_id_of
from generator.publish.view import iso, page_head


def layer_page_path(document_id: str, lang: str) -> str:
    return f"md/{lang}/constraints/{document_id}.md"


def _cell(text) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def _range(start: dt.date, end: dt.date | None) -> str:
    if end is None:
        return words("book.from", start=iso(start))
    return words("book.from-to", start=iso(start), end=iso(end))


def _bound(item, relative_to: str = "") -> str:
    text = str(bound_words(item.bound, relative_to))
    if item.bound.tolerance is not None:
        text += words(
            "book.tolerance", tolerance=shown_figure(item.bound.tolerance, item.bound.unit)
        )
    return text


def index_lines(chosen: list[Layer]) -> list[str]:
    """The index's section listing the documents of higher jurisdictions."""
    if not chosen:
        return []
    lines = [
        "",
        "## " + words("book.layers"),
        "",
        words("book.layers-header"),
        "|---|---|---|---|---|---|",
    ]
    for layer in chosen:
        d = layer.document
        lines.append(
            f"| [{_cell(d.id)}](constraints/{d.id}.md) | {_cell(d.title.zh)} | {_cell(d.title.en)} "
            f"| {len(layer.constraints)} | {len(layer.targets)} "
            f"| {_cell(d.source.number or d.source.title)}, {_cell(d.source.clause)} |"
        )
    return lines


def subject_to_lines(
    policy: Policy,
    rules: dict[str, tuple[ConstraintDocument, Constraint]],
    on: dt.date | None,
) -> list[str]:
    """The policy page's section naming the rules it keeps, each linked to its document's
    page; with `--on`, only those in force that day."""
    entries = [s for s in policy.subject_to if on is None or s.rule in rules]
    if not entries:
        return []
    lines = [
        "## " + words("book.subject-to"),
        "",
        words("book.subject-to-header"),
        "|---|---|---|---|---|",
    ]
    for entry in entries:
        assumed = entry.assumption or words("book.not-assumed")
        found = rules.get(entry.rule)
        if found is None:
            lines.append(
                f"| `{_cell(entry.rule)}` {words('book.rule-not-published')} | | | | {_cell(assumed)} |"
            )
            continue
        document, constraint = found
        binding = next((b for b in constraint.binds if b.policy == policy.id), None)
        relative = binding.relative_to if binding is not None else ""
        label = constraint.label.zh if _zh() else constraint.label.en
        link = f"constraints/{document_id_of(entry.rule)}.md#{constraint.name}"
        named = (
            f"{_cell(label)}（`{_cell(entry.rule)}`）"
            if _zh()
            else f"{_cell(label)} (`{_cell(entry.rule)}`)"
        )
        lines.append(
            f"| [{named}]({link}) | {_cell(_bound(constraint, relative))} "
            f"| {_cell(_range(constraint.start, constraint.end))} "
            f"| {_cell(citation(document, constraint))} | {_cell(assumed)} |"
        )
    return lines + [""]


def _zh() -> bool:
    from generator.core.messages import CHINESE, current_language

    return current_language() == CHINESE


def layer_page(
    layer: Layer, policies: dict[str, Policy], published: set[str], on: dt.date | None, header: str
) -> str:
    """One document's page in the current language; `policies` are every policy of the
    project (whether each accepts a rule), `published` the ids that have a page to link."""
    d = layer.document
    id_line = words("book.document-id", id=d.id)
    lines = page_head(header, d.title, id_line, d.jurisdiction, d.source)
    if on is not None:
        lines.append(words("book.document-on", on=iso(on)))
    lines += ["", words("book.document-links", id=d.id), ""]
    if d.notes:
        lines += ["## " + words("book.layer-notes"), ""] + [f"- {n}" for n in d.notes] + [""]
    if layer.constraints:
        lines += ["## " + words("book.constraints"), ""]
        for c in layer.constraints:
            lines += _constraint(c, policies, published)
    if layer.targets:
        lines += [
            "## " + words("book.targets"),
            "",
            words("book.targets-header"),
            "|---|---|---|---|---|---|",
        ]
        for t in layer.targets:
            label = t.label.zh if _zh() else t.label.en
            lines.append(
                f"| {_cell(label)} | `{t.name}` | {_cell(_bound(t))} | {iso(t.deadline)} "
                f"| {_cell(citation(d, t))} | {_cell(t.note)} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _constraint(c: Constraint, policies: dict[str, Policy], published: set[str]) -> list[str]:
    label = c.label.zh if _zh() else c.label.en
    quote = words("book.quote", quote=" ".join(c.quote.split())) if c.quote else ""
    lines = [
        f'<a id="{c.name}"></a>',
        "",
        f"### {label}（`{c.name}`）" if _zh() else f"### `{c.name}` — {label}",
        "",
    ]
    if c.rule:
        lines.append(words("book.constraint-rule", rule=c.rule))
    lines += [
        "- " + words("book.parameter-source", clause=c.clause, quote=quote),
        words("book.constraint-bound", bound=_bound(c)),
        words("book.in-force", range=_range(c.start, c.end), on=""),
        words("book.measure.average" if c.measure == "average" else "book.measure.each_case"),
    ]
    if not c.binds:
        lines.append(words("book.binds-none"))
    else:
        lines.append(words("book.binds"))
    for b in c.binds:
        policy = policies.get(b.policy)
        shown = f"[{b.policy}](../{b.policy}.md)" if b.policy in published else f"`{b.policy}`"
        what = words(
            "book.binds-output" if b.output else "book.binds-parameter",
            policy=shown,
            name=b.output or b.parameter,
        )
        if b.relative_to:
            what += words("book.binds-relative", input=b.relative_to)
        subject = next((s for s in policy.subject_to if s.rule == c.id), None) if policy else None
        if subject is None:
            what += words("book.binds-not-accepted")
        else:
            what += words("book.binds-accepted")
            if subject.assumption:
                what += words("book.binds-assumed", assumption=subject.assumption)
        if b.note:
            what += f" ({b.note})" if not _zh() else f"（{b.note}）"
        lines.append(f"  - {what}")
    if c.note:
        lines.append(words("book.constraint-note", note=c.note))
    return lines + [""]
