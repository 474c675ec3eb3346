"""Which language a page of the desk speaks: the reader's choice, else the browser's, else Chinese.

The desk is for Chinese policy officers, so Chinese is the default; an English reader switches
with the link on every page (`?lang=en`), which the desk remembers in a cookie so the next
page, a form posted or a file uploaded, stays in English. Without a choice, the browser's
`Accept-Language` decides (its first language the desk speaks, by weight).
"""

from __future__ import annotations

from collections.abc import Mapping

from generator.core.messages import CHINESE, ENGLISH, language_of

DEFAULT = CHINESE
COOKIE = "ratebook_lang"
SPOKEN = (CHINESE, ENGLISH)


def chosen(name: str | None) -> str | None:
    """`zh`, `zh-CN`, `en-GB` -> zh, zh, en; anything else (a typo, another language) -> None."""
    if not name:
        return None
    text = name.strip().lower()
    if text.startswith("zh"):
        return CHINESE
    if text.startswith("en"):
        return ENGLISH
    return None


def accepted(header: str | None) -> str | None:
    """The first language of an `Accept-Language` header the desk speaks, by weight."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, parameters = part.strip().partition(";")
        weight = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        language = chosen(tag)
        if language and weight > 0:
            ranked.append((-weight, index, language))
    return min(ranked)[2] if ranked else None


def page_language(
    query: Mapping[str, str], cookies: Mapping[str, str], accept_language: str | None
) -> str:
    """`?lang=` first (a switch), then the remembered cookie, then the browser, then Chinese."""
    return (
        chosen(query.get("lang"))
        or chosen(cookies.get(COOKIE))
        or accepted(accept_language)
        or language_of(DEFAULT)
        or DEFAULT
    )
