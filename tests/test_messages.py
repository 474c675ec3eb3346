"""The message catalogue: every problem's words come from it, and it holds nothing unused.

Problems are made by a few factories (`finding`, `Message`, `summary`, `Problem`, the
library's error classes, ...), always with the catalogue key as a literal (or a choice of
literals) and the template's parameters as keywords. The source is read with `ast`, so
these tests see every call site, not only the ones a fixture happens to reach.
"""

from __future__ import annotations

import ast
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from generator.core import messages
from generator.core.findings import NOWHERE, WARNING, Finding, RatebookError, finding, summary
from generator.core.messages import Message, catalogue, render

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "generator").rglob("*.py")) + [ROOT / "cli.py"]

# factory name -> (position of the key argument, parameters the factory adds itself)
FACTORIES = {
    "finding": (0, set()),
    "Finding": (0, set()),
    "Message": (0, set()),
    "summary": (0, set()),
    "usage_error": (0, set()),
    "words": (0, set()),  # a line or label a command shows
    "failure": (0, set()),  # the CLI's failure(key, *findings before it, exit_code=..., ...)
    "closing": (0, set()),
    "problem": (0, set()),  # the model builder's and the workbook reader's
    "add": (0, set()),  # Findings.add
    "Refusal": (0, set()),  # the value reader's (CellProblem is its other name)
    "CellProblem": (0, set()),
    "FormulaError": (0, set()),
    "CaseFileError": (0, set()),
    "PublishError": (0, set()),
    "BaseError": (0, set()),
    "_Unexpressible": (0, set()),
    "Problem": (1, set()),  # runtime.Problem(field, key, ...)
    "InvalidTree": (1, {"count"}),  # InvalidTree(errors, key, ...) adds the error count
    "gap": (1, {"what"}),  # the DMN builder's gap(what, key, ...) keeps what is not expressed
}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _constants(node: ast.expr, assigned: dict) -> set[str] | None:
    """The literal keys an argument can be: "a", "a" if c else "b", or a name assigned so."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        body, orelse = _constants(node.body, assigned), _constants(node.orelse, assigned)
        return body | orelse if body is not None and orelse is not None else None
    if isinstance(node, ast.Name) and node.id in assigned:
        return assigned[node.id]
    return None


class _Site:
    def __init__(self, path: Path, line: int, keys: set[str], params: set[str] | None):
        self.where = f"{path.relative_to(ROOT)}:{line}"
        self.keys = keys
        self.params = params  # None when some are passed as **mapping


class _Calls(ast.NodeVisitor):
    """Factory calls of one module, each resolved with the assignments of its own function."""

    def __init__(self, path: Path):
        self.path = path
        self.sites: list[_Site] = []
        self.dynamic: list[str] = []
        self.scopes: list[dict[str, set[str]]] = [{}]

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        assigned: dict[str, set[str]] = {}
        for inner in ast.walk(node):
            if isinstance(inner, ast.Assign) and len(inner.targets) == 1:
                found = _constants(inner.value, {})
                if isinstance(inner.targets[0], ast.Name) and found:
                    assigned[inner.targets[0].id] = found
        self.scopes.append(assigned)
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        name = _name(node.func)
        if name not in FACTORIES:
            return
        position, implied = FACTORIES[name]
        if len(node.args) <= position:
            return
        argument = node.args[position]
        keys = _constants(argument, self.scopes[-1])
        if keys is None:
            # `add` is also a set's; a parameter named `key` (or a refusal's `code`) is a key
            # passed along
            passed_on = (isinstance(argument, ast.Name) and argument.id in ("key", "code")) or (
                isinstance(argument, ast.Attribute) and argument.attr in ("key", "code")
            )
            if name != "add" and not passed_on:
                self.dynamic.append(f"{self.path.relative_to(ROOT)}: {ast.unparse(argument)}")
            return
        params: set[str] | None = {
            k.arg for k in node.keywords if k.arg and k.arg != "exit_code"
        } | implied
        if any(k.arg is None for k in node.keywords):
            params = None
        if name == "Finding" and len(node.args) > 2:
            mapping = node.args[2]
            params = (
                {k.value for k in mapping.keys if isinstance(k, ast.Constant)}
                if isinstance(mapping, ast.Dict) and all(mapping.keys)
                else None
            )
        self.sites.append(_Site(self.path, node.lineno, keys, params))


def call_sites() -> tuple[list[_Site], list[str]]:
    """Every factory call whose key is known, and the places of those whose key is not."""
    sites, dynamic = [], []
    for path in SOURCES:
        calls = _Calls(path)
        calls.visit(ast.parse(path.read_text(encoding="utf-8")))
        sites += calls.sites
        dynamic += calls.dynamic
    return sites, dynamic


def placeholders(template: str) -> set[str]:
    return {
        field.split(".")[0].split("[")[0]
        for _, field, _, _ in string.Formatter().parse(template)
        if field is not None
    }


SITES, DYNAMIC = call_sites()
ENGLISH = catalogue()


def test_every_key_used_in_the_code_has_an_english_template():
    missing = sorted(
        f"{site.where}: {key}" for site in SITES for key in site.keys if key not in ENGLISH
    )
    assert not missing, "keys without a catalogue entry:\n" + "\n".join(missing)


def test_every_catalogue_entry_is_used_in_the_code():
    literals = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
    # the desk's pages name their words in their templates: {{ _("desk.policies.title") }}
    for template in (ROOT / "generator").rglob("templates/*.html"):
        literals |= set(
            re.findall(r"""_\(\s*["']([a-z0-9.-]+)["']""", template.read_text(encoding="utf-8"))
        )
    # the help texts are looked up by command and option (test_every_command_and_option_...)
    unused = sorted(key for key in set(ENGLISH) - literals if not key.startswith("cli."))
    assert not unused, f"catalogue entries no code uses: {unused}"


def test_each_call_passes_exactly_the_parameters_its_template_names():
    wrong = []
    for site in SITES:
        if site.params is None:
            continue
        for key in site.keys & set(ENGLISH):
            wanted = placeholders(ENGLISH[key])
            if wanted != site.params - ({"what"} if key.startswith("dmn-gap.") else set()):
                wrong.append(
                    f"{site.where}: {key} names {sorted(wanted)}, given {sorted(site.params)}"
                )
    assert not wrong, "\n".join(wrong)


def test_keys_chosen_at_run_time_are_few_and_known():
    """A key looked up at run time escapes the checks above; these are the known ones, each a
    table of literal keys (so the entries still count as used)."""
    assert sorted(set(DYNAMIC)) == [
        "generator/checks/layers.py: BOUND_WORDS[bound.comparator]",  # a bound in words
        "generator/checks/structure.py: JSON_TYPES[expected]",  # a JSON type in words
        "generator/cli/indicators.py: STATUS_KEYS[status]",  # met, not met, not yet due
        "generator/evaluate/interpreter.py: ROUNDING[output.mode]",  # a rounding mode in words
        "generator/publish/markdown.py: METHOD_WORDS[parameter.method]",  # how a scale applies
        "generator/publish/markdown.py: ROUNDING[mode]",  # the rule book's rounding, in Chinese
        "generator/publish/markdown.py: TYPE_WORDS[name]",  # an input's type, in Chinese
        "generator/regress/report.py: REPORT_WORDS[kind, name]",  # .md/.xlsx header, sheet
        "generator/regress/report.py: TERMINAL_COLUMNS[IMPACT_COLUMNS[i]]",  # a table header
        "generator/runtime.py: ADVICE_BOUNDS[comparator]",  # an advisory threshold in words
        "generator/serve/app.py: STATUS_TITLES[status]",  # an HTTP problem's title
        "generator/serve/desk/batch_view.py: TERMINAL_COLUMNS[c]",  # the desk's impact table
        "generator/sources/excel/reader.py: REFUSED_SUFFIXES[p.suffix.lower()]",
        "generator/sources/excel/reader.py: refused",  # REFUSED_SUFFIXES.get(suffix)
    ]


def test_every_template_renders_with_its_parameters():
    for key, template in ENGLISH.items():
        params = {name: f"<{name}>" for name in placeholders(template)}
        assert render(key, params), key


def test_a_finding_renders_its_words_from_the_catalogue():
    gap = finding("bracket-gap.range", NOWHERE, upper="100", lower="150")
    assert gap.code == "bracket-gap"
    assert gap.message == "gap between 100 and 150: no bracket covers it"
    assert str(gap) == "gap between 100 and 150: no bracket covers it"
    assert str(Finding("unused-input", NOWHERE, {"name": "x"}, WARNING)) == (
        "warning: input 'x' is used by no formula"
    )


def test_a_message_can_fill_in_another():
    reason = Message("integer.not_whole", value="'2.5'")
    placed = finding("bad-default", NOWHERE, name="rooms", problem=reason)
    assert placed.message == "input 'rooms': default '2.5' is not a whole number"


def test_a_library_error_carries_findings_and_an_exit_code():
    error = RatebookError([summary("usage.on", on="x")], exit_code=2)
    assert error.exit_code == 2
    assert str(error) == "--on 'x' is not a date (YYYY-MM-DD)"


def test_another_language_is_one_more_catalogue_file(tmp_path, monkeypatch):
    po = tmp_path / "xx" / "LC_MESSAGES" / "ratebook.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "bracket-gap.range"\nmsgstr "{upper} 与 {lower} 之间没有分段"\n',
        encoding="utf-8",
    )
    po.with_suffix(".mo").write_bytes(messages.compiled_catalogue(po))
    monkeypatch.setattr(
        messages, "catalogue_path", lambda locale: tmp_path / locale / "LC_MESSAGES" / "ratebook.po"
    )
    messages.catalogue.cache_clear()
    try:
        assert (
            render("bracket-gap.range", {"upper": 100, "lower": 150}, "xx")
            == "100 与 150 之间没有分段"
        )
    finally:
        messages.catalogue.cache_clear()


@pytest.mark.parametrize(
    "problem, pair",
    [
        ("input-required", ("age", "is required")),
        ("input-not-date", ("on", "'x' is not a date (YYYY-MM-DD)")),
    ],
)
def test_a_runtime_problem_is_still_the_field_and_message_pair_generated_modules_use(problem, pair):
    from generator import runtime as rt

    made = rt.Problem(pair[0], problem, **({"value": "x"} if problem == "input-not-date" else {}))
    field, message = made
    assert (field, message) == pair
    assert made == pair and [made] == [pair] and made[1] == pair[1]
    assert made.key == problem


def test_every_compiled_catalogue_is_the_compiled_form_of_its_source():
    """The `.mo` files are what runs; a `.po` edited without `pybabel compile` fails here."""
    sources = sorted((Path(messages.__file__).parent / "locale").glob("*/LC_MESSAGES/ratebook.po"))
    assert sources
    for po in sources:
        language = po.parent.parent.name
        messages.catalogue.cache_clear()
        assert messages.catalogue(language) == messages.source_catalogue(po), (
            f"{po} changed: run `pybabel compile -d generator/core/locale -D ratebook`"
        )
    messages.catalogue.cache_clear()


def test_showing_a_message_does_not_import_babel():
    script = (
        "import sys; from generator.core.messages import render; "
        "render('bracket-gap.range', {'upper': 1, 'lower': 2}); "
        "print('babel' in sys.modules)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == "False"


def test_every_key_has_both_languages_with_the_same_placeholders():
    """A message code lacking English or Chinese, or whose Chinese names other placeholders
    than its English (a parameter left out, or one the code never passes), fails here."""
    chinese = catalogue("zh")
    assert sorted(set(ENGLISH) - set(chinese)) == [], "keys without Chinese"
    assert sorted(set(chinese) - set(ENGLISH)) == [], "keys without English"
    differ = [
        f"{key}: en {sorted(placeholders(ENGLISH[key]))}, zh {sorted(placeholders(text))}"
        for key, text in chinese.items()
        if placeholders(text) != placeholders(ENGLISH[key])
    ]
    assert not differ, "\n".join(differ)
    untranslated = [key for key, text in chinese.items() if text and text == ENGLISH[key]]
    assert len(untranslated) < len(chinese) // 4, untranslated


def test_the_placeholder_check_sees_a_difference(tmp_path):
    """The comparison above is real: a Chinese template naming other fields is told apart."""
    assert placeholders("{upper} 至 {lower} 之间有空档") == {"upper", "lower"}
    assert placeholders("{upper} 之后有空档") != placeholders(ENGLISH["bracket-gap.range"])


def test_a_finding_and_a_message_speak_the_current_language():
    gap = finding("bracket-gap.range", NOWHERE, upper="100", lower="150")
    reason = Message("integer.not_whole", value="'2.5'")
    placed = finding("bad-default", NOWHERE, name="rooms", problem=reason)
    try:
        messages.set_language("zh")
        assert str(gap) == "100 至 150 之间有空档：没有任何一档包含这一段"
        assert placed.message == "输入项“rooms”：默认值'2.5' 不是整数"
        with messages.in_language("en"):
            assert str(gap) == "gap between 100 and 150: no bracket covers it"
        assert str(reason) == "'2.5' 不是整数"
    finally:
        messages.set_language(None)
    assert str(gap) == "gap between 100 and 150: no bracket covers it"


@pytest.mark.parametrize(
    "environ, language",
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_MESSAGES": "zh_CN.GB18030"}, "zh"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"RATEBOOK_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"RATEBOOK_LANG": "zh", "LC_ALL": "C"}, "zh"),
        ({"RATEBOOK_LANG": "", "LANG": "zh_CN.UTF-8"}, "zh"),
    ],
)
def test_the_language_follows_the_locale_and_ratebook_lang_overrides_it(environ, language):
    assert messages.environment_language(environ) == language


def test_the_chosen_language_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("RATEBOOK_LANG", "zh")
    assert messages.current_language() == "zh"
    try:
        messages.set_language("en")
        assert messages.current_language() == "en"
    finally:
        messages.set_language(None)
    monkeypatch.setenv("RATEBOOK_LANG", "en")
    assert messages.current_language() == "en"


def _help_texts():
    import inspect

    import click

    import cli  # noqa: F401  (registers the commands)
    from generator.cli.app import _commands, main

    for path, command in _commands(main):
        key = "cli." + (path or "ratebook")
        yield key, inspect.cleandoc(command.__dict__.get("_english_help", command.help) or "")
        for param in command.params:
            if isinstance(param, click.Option) and param.help:
                english = param.__dict__.get("_english_help", param.help)
                yield f"{key}.{param.name}", inspect.cleandoc(english)


def test_every_command_and_option_has_its_help_in_the_catalogue_as_the_code_writes_it():
    """The code's help= and docstrings are the English; the catalogue holds them and Chinese."""
    texts = dict(_help_texts())
    assert len(texts) > 30
    differ = [key for key, text in texts.items() if ENGLISH.get(key) != text]
    assert not differ, f"help texts not in the English catalogue as written: {differ}"
    stale = sorted(key for key in ENGLISH if key.startswith("cli.") and key not in texts)
    assert not stale, f"catalogue help of no command or option: {stale}"


@pytest.mark.parametrize(
    "args, env, shown, hidden",
    [
        (["--help"], {"LANG": "zh_CN.UTF-8"}, "校验每个政策", "Check every policy"),
        (["eval", "--help"], {"LANG": "zh_CN.UTF-8"}, "计算日期（默认：今天）", "Evaluation date"),
        (["--lang", "en", "eval", "--help"], {"LANG": "zh_CN.UTF-8"}, "Evaluation date", "计算"),
        (["--lang", "zh", "test", "--help"], {}, "列出每一个案例", "List every case"),
        (["--help"], {"LANG": "en_US.UTF-8"}, "Check every policy", "校验"),
        (["build", "--help"], {"LANG": "zh_CN.UTF-8"}, "显示本帮助并退出", "Show this message"),
    ],
)
def test_help_speaks_the_language_of_the_locale_or_of_lang(args, env, shown, hidden):
    from click.testing import CliRunner

    from cli import main

    result = CliRunner().invoke(
        main, args, env={"RATEBOOK_LANG": None, "LC_ALL": None, "LC_MESSAGES": None, **env}
    )
    assert result.exit_code == 0, result.output
    assert shown in result.output and hidden not in result.output


def test_the_compiled_catalogue_of_clicks_words_is_the_compiled_form_of_its_source():
    """click's own words in Chinese (`click.po`): what runs is the `.mo` beside it."""
    import gettext

    po = Path(messages.__file__).parent / "locale" / "zh" / "LC_MESSAGES" / "click.po"
    with open(po.with_suffix(".mo"), "rb") as file:
        compiled = gettext.GNUTranslations(file)
    entries = {k: v for k, v in compiled._catalog.items() if k}  # type: ignore[attr-defined]
    from babel.messages.pofile import read_po

    with open(po, "rb") as file:
        source = read_po(file)
    expected = {}
    for message in source:
        if not message.id:
            continue
        if isinstance(message.id, tuple):  # a plural: gettext keys it by (singular, form)
            for form, text in enumerate(message.string):
                expected[(message.id[0], form)] = text
        else:
            expected[message.id] = message.string
    assert entries == expected, (
        f"{po} changed: run `pybabel compile -d generator/core/locale -D click`"
    )
