"""The desk's HTML: Jinja2 templates rendered in the reader's language, escaped everywhere.

The templates (`templates/*.html` beside this module) take their words from the same gettext
catalogue as the rest of ratebook: `{{ _("desk.policies.title") }}` is the catalogue entry
`desk.policies.title` in the page's language, so a page has no word of its own and a test
fails when a key lacks Chinese or English. Autoescaping is on for every template: a policy
title, an input label, a cell of an uploaded workbook or a finding that holds `<script>` is
shown as text. Charts reach the page as JSON inside `<script type="application/json">`,
escaped by Jinja's `tojson` so no text can close the element.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from generator.core.messages import CHINESE, ENGLISH, in_language, render

TEMPLATES = Path(__file__).resolve().parent / "templates"
HTML_LANG = {CHINESE: "zh-CN", ENGLISH: "en"}


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def switch_link(path: str, query: dict[str, str], lang: str) -> str:
    """This page in the other language: its path and query with `lang` changed."""
    other = ENGLISH if lang == CHINESE else CHINESE
    return f"{path}?{urlencode({**query, 'lang': other})}"


def page(name: str, lang: str, path: str, query: dict[str, str], **context: Any) -> str:
    """Template `name` rendered in `lang` (its words, and any finding or message shown in it)."""

    def translate(key: str, **params: object) -> str:
        return render(key, params, lang)

    with in_language(lang):
        return (
            environment()
            .get_template(name)
            .render(
                _=translate,
                lang=lang,
                html_lang=HTML_LANG[lang],
                other_lang=ENGLISH if lang == CHINESE else CHINESE,
                switch=switch_link(path, query, lang),
                path=path,
                **context,
            )
        )
