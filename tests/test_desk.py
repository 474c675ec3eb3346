"""The officer's desk through Starlette's TestClient: every page in Chinese and in English, the
case form and its answer, a broken workbook with its cell marked, a case file run and compared
with a git ref, and hostile names shown as text.

The project is a fixture of its own (tests/desk/grant.yaml), built into a temporary folder, so
the numbers below are computed by hand from that file: an employee's grant is 10% of the cost
over 1,000 up to 5,000 and 20% above 5,000 (15% and 25% from 2021-01-01), so 6,000 yuan in
2020 gives 4000 × 10% + 1000 × 20% = 600.00; a resident's is 5% of the cost (1234.56 → 61.728
→ 61.73 half-up); the site grant is 60,000 below 100 m2 and 80,000 from 100 m2 (100平方米以上).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

import cli
from generator.serve.app import create_app
from generator.serve.desk import charts, language, sheet

FIXTURES = Path(__file__).resolve().parent / "desk"
POLICY = "demo.grant"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


def build(root: Path) -> None:
    result = CliRunner().invoke(cli.main, ["--root", str(root), "--lang", "en", "build"])
    assert result.exit_code == 0, result.output


def make_project(root: Path, text: str | None = None) -> Path:
    """A project whose one policy is the fixture (or `text`), built."""
    (root / "policies" / "demo").mkdir(parents=True, exist_ok=True)
    policy = root / "policies" / "demo" / "grant.yaml"
    policy.write_text(
        text or (FIXTURES / "grant.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    build(root)
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("desk"))


@pytest.fixture()
def client(project) -> TestClient:
    return TestClient(create_app(project), raise_server_exceptions=False)


def text_of(page: str) -> str:
    """The page's visible words: tags dropped, entities read, spaces squeezed."""
    body = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def chart_options(page: str) -> dict[str, dict]:
    found = re.findall(
        r'<script type="application/json" id="([^"]+)-option">(.*?)</script>', page, re.S
    )
    return {name: json.loads(body) for name, body in found}


# -- the language of a page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, cookie, header, expected",
    [
        ({}, {}, None, "zh"),  # an officer's browser says nothing: Chinese
        ({}, {}, "en-US,en;q=0.9", "en"),
        ({}, {}, "fr-FR, en;q=0.3, zh;q=0.8", "zh"),  # the weights decide
        ({}, {"ratebook_lang": "en"}, "zh-CN", "en"),  # the remembered switch beats the browser
        ({"lang": "zh"}, {"ratebook_lang": "en"}, "en", "zh"),  # a switch beats both
        ({"lang": "xx"}, {}, "en", "en"),  # an unknown choice is ignored
        ({}, {}, "en;q=0, zh;q=0", "zh"),
    ],
)
def test_a_page_speaks_the_language_chosen_by_switch_cookie_or_browser(
    query, cookie, header, expected
):
    assert language.page_language(query, cookie, header) == expected


def test_the_list_of_policies_shows_titles_dates_and_sources_in_chinese(client):
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-language"] == "zh"
    words = text_of(page.text)
    assert "按领域查看政策" in words and "测试补助" in words and "自 2020-01-01 起" in words
    assert "测试文件" in words and "第1条" in words and "demo.grant" in words
    assert '<html lang="zh-CN">' in page.text


def test_the_list_of_policies_in_english_after_the_switch_and_on_the_next_page(client):
    page = client.get("/?lang=en")
    assert page.headers["content-language"] == "en"
    assert "Policies by area" in text_of(page.text) and "Test grant" in text_of(page.text)
    assert page.cookies.get("ratebook_lang") == "en"
    following = client.get(f"/policies/{POLICY}")  # the cookie is sent back
    assert following.headers["content-language"] == "en"
    assert "Numbers and their sources" in text_of(following.text)


def test_every_page_links_to_itself_in_the_other_language(client):
    page = client.get(f"/policies/{POLICY}?on=2020-06-01", headers=ZH)
    switch = re.search(r'id="switch-language" href="([^"]+)"', page.text).group(1)
    assert html.unescape(switch) == f"/policies/{POLICY}?on=2020-06-01&lang=en"


# -- a policy page --------------------------------------------------------------------------------


def test_a_policy_page_gives_every_number_with_its_dates_and_source_quote(client):
    words = text_of(client.get(f"/policies/{POLICY}", headers=ZH).text)
    assert "职工补助分段比例" in words
    assert "超过 1000、5000 以内（含） 本段部分的 10%" in words
    assert "超过 5000 本段部分的 25%" in words
    assert "2020-01-01 至 2020-12-31" in words and "自 2021-01-01 起" in words
    assert "“超过1000元至5000元的部分按10%补助，5000元以上的部分按20%补助”" in words
    assert "依据：第2条" in words
    # a whole-amount scale in the policy's own words: 以上 includes 100, 以下 does not
    assert "不满 100 60000 元" in words and "100 及以上 80000 元" in words
    # a lookup table keyed by an enum, by its labels, as percents
    assert "职工（employee） 0%" in words and "居民（resident） 5%" in words


def test_a_policy_page_in_english_uses_the_english_words(client):
    words = text_of(client.get(f"/policies/{POLICY}", headers=EN).text)
    assert "Employee grant by segment" in words
    assert "over 1000 up to 5000 10% of the part in this bracket" in words
    assert "below 100 60000 yuan" in words and "at least 100 80000 yuan" in words
    assert "Employee (employee) 0%" in words


def test_a_policy_page_on_a_date_shows_only_the_values_in_force_that_day(client):
    words = text_of(client.get(f"/policies/{POLICY}?on=2021-03-01", headers=ZH).text)
    assert "本段部分的 15%" in words and "本段部分的 10%" not in words


def test_each_scale_is_a_chart_with_one_line_per_version_and_its_boundaries_marked(client):
    page = client.get(f"/policies/{POLICY}", headers=ZH).text
    options = chart_options(page)
    assert len(options) == 3  # the marginal scale, the whole-amount scale, the table
    marginal = next(o for o in options.values() if len(o["series"]) == 2)
    first, second = marginal["series"]
    assert "自 2021-01-01 起" in second["name"] and "2020-12-31" in first["name"]
    points = {tuple(p["value"]) for p in first["data"] if isinstance(p, dict)}
    assert (5000.0, 400.0) in points  # 4000 × 10%
    assert (1000.0, 0.0) in points
    labels = [m["label"]["formatter"] for m in first["markLine"]["data"]]
    assert labels == ["超过 1000", "5000 以内（含） | 超过 5000"]


def test_a_whole_amount_scale_is_drawn_in_pieces_whose_ends_say_what_they_include():
    doc = {
        "parameters": {
            "site": {
                "kind": "scale",
                "method": "whole_amount",
                "input_unit": "m2",
                "output_unit": "yuan",
                "label": {"zh": "场地", "en": "Site"},
                "values": [
                    {
                        "from": "2020-01-01",
                        "to": None,
                        "brackets": [
                            {
                                "lower": None,
                                "upper": "100",
                                "upper_inclusive": False,
                                "amount": "60000",
                            },
                            {
                                "lower": "100",
                                "lower_inclusive": True,
                                "upper": None,
                                "amount": "80000",
                            },
                        ],
                    }
                ],
            }
        }
    }
    (chart,) = charts.policy_charts(doc, "zh")
    (series,) = chart.option["series"]
    below, gap, above = series["data"][1], series["data"][2], series["data"][3]
    assert below["value"] == [100.0, 60000.0] and below["symbol"] == "emptyCircle"  # 不满 100
    assert gap == ["-", "-"]
    assert above["value"] == [100.0, 80000.0] and above["symbol"] == "circle"  # 100 及以上
    assert chart.option["xAxis"]["max"] == 125.0
    assert series["markLine"]["data"][0]["label"]["formatter"] == "不满 100 | 100 及以上"


def test_a_marginal_scale_pays_each_part_at_its_own_rate():
    brackets = [
        {"lower": "1000", "upper": "5000", "upper_inclusive": True, "rate": "0.1"},
        {"lower": "5000", "upper": None, "rate": "0.2"},
    ]
    from decimal import Decimal

    assert charts.marginal_pays(brackets, Decimal(1000)) == 0
    assert charts.marginal_pays(brackets, Decimal(6000)) == Decimal("600.0")
    assert charts.marginal_pays(brackets, Decimal("2500.5")) == Decimal("150.05")


def test_an_unknown_policy_is_a_page_that_says_so_with_404(client):
    page = client.get("/policies/demo.nothing", headers=ZH)
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
    assert "demo.nothing" in text_of(page.text) and "Traceback" not in page.text


def test_a_date_that_is_no_date_is_refused_with_400(client):
    page = client.get(f"/policies/{POLICY}?on=2021-13-45", headers=EN)
    assert page.status_code == 400 and "2021-13-45" in text_of(page.text)


# -- a case ---------------------------------------------------------------------------------------


def test_the_case_form_is_made_from_the_case_schema(client):
    page = client.get(f"/policies/{POLICY}/case", headers=ZH).text
    assert re.search(r'<label for="input-scheme">参保类别</label>', page)
    assert '<option value="employee">职工（employee）</option>' in page
    assert re.search(r'<label for="input-cost">自付费用（元）</label>', page)
    assert "≥ 0" in text_of(page)
    assert 'name="on"' in page and 'method="post"' in page


@pytest.mark.parametrize(
    "inputs, on, expected",
    [
        (
            {"scheme": "employee", "cost": "6000", "area": "100"},
            "2020-06-01",
            ("600.00", "80000.00"),
        ),
        (
            {"scheme": "employee", "cost": "6000", "area": "99.99"},
            "2021-06-01",
            ("850.00", "60000.00"),
        ),
        (
            {"scheme": "resident", "cost": "1234.56", "area": "0"},
            "2020-06-01",
            ("61.73", "60000.00"),
        ),
        ({"scheme": "职工", "cost": "0.6万", "area": "100"}, "2020-06-01", ("600.00", "80000.00")),
    ],
)
def test_a_case_posted_from_the_form_gives_the_outputs(client, inputs, on, expected):
    page = client.post(
        f"/policies/{POLICY}/case", data={**inputs, "on": on, "explain": "1"}, headers=ZH
    )
    assert page.status_code == 200
    shown = dict(re.findall(r'data-output="([^"]+)">([^<]*)<', page.text))
    assert (shown["grant"].split()[0], shown["site_grant"].split()[0]) == expected


def test_the_explanation_gives_each_step_with_its_clause_and_quote(client):
    page = client.post(
        f"/policies/{POLICY}/case",
        data={
            "scheme": "employee",
            "cost": "6000",
            "area": "100",
            "on": "2020-06-01",
            "explain": "1",
        },
        headers=ZH,
    )
    words = text_of(page.text)
    assert "计算过程" in words
    assert "超过 1000、5000 以内（含）部分按 10%：4000 × 0.1 = 400" in words
    assert "依据：第2条" in words and "“超过1000元至5000元的部分按10%补助" in words


def test_a_bad_case_is_refused_with_each_field_marked(client):
    page = client.post(
        f"/policies/{POLICY}/case",
        data={"scheme": "farmer", "cost": "-5", "area": "1", "on": "2020-06-01"},
        headers=ZH,
    )
    assert page.status_code == 422
    errors = re.findall(r'<p class="error" role="alert">([^<]*)</p>', page.text)
    assert len(errors) == 2
    assert "不在可选值之列" in html.unescape(errors[0]) and "低于下限 0" in errors[1]
    assert 'value="-5"' in page.text  # what was typed stays in the form


def test_a_case_before_the_rule_is_in_force_says_so(client):
    page = client.post(
        f"/policies/{POLICY}/case",
        data={"scheme": "employee", "cost": "6000", "area": "1", "on": "2019-06-01"},
        headers=EN,
    )
    assert page.status_code == 422 and "not in force" in text_of(page.text)


# -- a workbook ------------------------------------------------------------------------------------


def broken_workbook(project: Path, tmp_path: Path) -> tuple[bytes, str]:
    """The fixture as a workbook with its first rate 10% made 130%: (bytes, the cell)."""
    out = tmp_path / "grant.xlsx"
    result = CliRunner().invoke(
        cli.main, ["--root", str(project), "--lang", "en", "export-xlsx", POLICY, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    scales = next(s for s in book.worksheets if "Scales" in s.title)
    cell = next(c for row in scales.iter_rows() for c in row if c.value == 0.1)
    cell.value = 1.3
    book.save(out)
    return out.read_bytes(), f"{scales.title}!{cell.coordinate}"


def test_a_broken_workbook_is_shown_with_the_wrong_cell_marked(client, project, tmp_path):
    data, place = broken_workbook(project, tmp_path)
    page = client.post("/workbook", files={"file": ("grant.xlsx", data)}, headers=ZH)
    assert page.status_code == 200
    marked = re.findall(r'<td class="marked" id="([^"]+)" data-cell="([^"]+)"', page.text)
    assert [cell for _, cell in marked] == [place]
    anchor = marked[0][0]
    finding = re.search(
        r'<li class="finding error">\s*<a href="#([^"]+)"><code>([^<]+)</code>', page.text
    )
    assert finding.group(1) == anchor and finding.group(2) == f"grant.xlsx!{place}"
    assert "比例 1.3 高于 1" in text_of(page.text)


def test_a_correct_workbook_says_no_problem(client, project, tmp_path):
    out = tmp_path / "ok.xlsx"
    CliRunner().invoke(cli.main, ["--root", str(project), "export-xlsx", POLICY, "-o", str(out)])
    page = client.post("/workbook", files={"file": ("ok.xlsx", out.read_bytes())}, headers=EN)
    assert page.status_code == 200 and 'id="no-findings"' in page.text
    assert '<td class="marked"' not in page.text


def test_an_upload_larger_than_the_limit_is_refused_with_413(project):
    from generator.serve.app import Limits

    small = TestClient(create_app(project, limits=Limits(policy_bytes=1000)))
    page = small.post("/workbook", files={"file": ("big.xlsx", b"x" * 5000)}, headers=EN)
    assert page.status_code == 413


def test_a_file_that_is_not_a_workbook_is_a_finding_not_a_crash(client):
    page = client.post("/workbook", files={"file": ("fake.xlsx", b"not a zip")}, headers=EN)
    assert page.status_code == 200
    assert "fake.xlsx" in text_of(page.text) and "Traceback" not in page.text


def test_the_sheet_drawing_marks_cells_and_bounds_the_grid(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "<Tiers>"
    book.active["A1"], book.active["C4"] = "rate", "<b>1.3</b>"
    raw = tmp_path / "t.xlsx"
    book.save(raw)
    (drawn,) = sheet.draw_workbook(raw.read_bytes(), {("<Tiers>", "C4"): ["too high"]})
    assert drawn.columns == ["A", "B", "C"] and [n for n, _ in drawn.rows] == [1, 2, 3, 4]
    marked = [c for _, cells in drawn.rows for c in cells if c.marks]
    assert [(c.coordinate, c.text, c.marks) for c in marked] == [("C4", "<b>1.3</b>", ["too high"])]
    assert sheet.cell_position("AA10") == (10, 27) and sheet.cell_position("A1:B2") is None


# -- a case file, and a diff against a git ref ------------------------------------------------------


CASES = (
    "scheme,cost,area\nemployee,6000,100\nresident,1234.56,50\nemployee,abc,10\nemployee,3000,99\n"
)


def test_a_case_file_gives_results_to_download_and_the_rows_refused(client):
    page = client.post(
        "/cases",
        data={"policy": POLICY, "on": "2020-06-01"},
        files={"file": ("cases.csv", CASES.encode())},
        headers=ZH,
    )
    assert page.status_code == 200
    words = text_of(page.text)
    assert "读入 4 行 = 输出 3 行 + 拒绝 1 行" in words
    link = re.search(
        r'id="download-results" href="data:text/csv;charset=utf-8;base64,([^"]+)"', page.text
    )
    import base64

    results = base64.b64decode(link.group(1)).decode("utf-8")
    assert results.startswith("\ufeffrow,")
    lines = results[1:].splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    assert [(r["row"], r["grant"], r["site_grant"]) for r in rows] == [
        ("1", "600.00", "80000.00"),
        ("2", "61.73", "60000.00"),
        ("4", "200.00", "60000.00"),
    ]
    refused = re.search(r'<table class="errors">.*?</table>', page.text, re.S).group(0)
    assert "cost" in refused and "不是数字" in html.unescape(refused)


def test_a_case_file_of_an_unknown_format_is_refused(client):
    page = client.post(
        "/cases", data={"policy": POLICY}, files={"file": ("cases.txt", b"x")}, headers=EN
    )
    assert page.status_code == 400 and ".csv" in text_of(page.text)


@pytest.fixture()
def changed_project(tmp_path) -> Path:
    """The fixture committed to git, then its first rate raised from 10% to 12% and rebuilt."""
    root = make_project(tmp_path / "p")
    git = ["git", "-c", "user.email=desk@example.org", "-c", "user.name=desk"]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*git, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(root), "commit", "-qm", "base"], check=True)
    policy = root / "policies" / "demo" / "grant.yaml"
    text = policy.read_text(encoding="utf-8")
    text = text.replace("up_to: 5000, rate: 10%}", "up_to: 5000, rate: 12%}")
    text = text.replace('expected: {grant: "600.00"', 'expected: {grant: "680.00"')
    policy.write_text(text, encoding="utf-8")
    build(root)
    return root


def test_a_case_file_compared_with_a_git_ref_shows_the_changes_and_their_impact(changed_project):
    client = TestClient(create_app(changed_project), raise_server_exceptions=False)
    page = client.post(
        "/cases",
        data={"policy": POLICY, "on": "2020-06-01", "base": "HEAD"},
        files={"file": ("cases.csv", CASES.encode())},
        headers=ZH,
    )
    assert page.status_code == 200
    words = text_of(page.text)
    assert "10% → 12%" in words
    # 6000: 4000 × 12% + 200 = 680 (+80); 3000: 2000 × 12% = 240 (+40); the resident unchanged
    impact = re.search(r'<table class="impact">.*?</table>', page.text, re.S).group(0)
    cells = re.findall(r"<td>([^<]*)</td>", impact)
    assert cells[:7] == ["demo.grant", "grant", "元", "4", "2", "2", "0"]
    assert cells[7:] == ["+40.00", "+60.00", "+80.00", "+120.00"]
    (option,) = [o for name, o in chart_options(page.text).items() if name == "chart-diff"]
    assert option["xAxis"]["data"] == ["cases.csv:2", "cases.csv:5"]
    assert option["series"][0]["data"] == [80.0, 40.0]


def test_a_ref_that_does_not_exist_is_refused_in_words(changed_project):
    client = TestClient(create_app(changed_project), raise_server_exceptions=False)
    page = client.post(
        "/cases",
        data={"policy": POLICY, "base": "no-such-ref"},
        files={"file": ("cases.csv", CASES.encode())},
        headers=EN,
    )
    assert page.status_code == 400 and "no-such-ref" in text_of(page.text)


# -- escaping -------------------------------------------------------------------------------------------


HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory) -> Path:
    """The fixture with a title, labels, a quote and a note that hold markup."""
    text = (FIXTURES / "grant.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "title: {zh: 测试补助, en: Test grant}", f'title: {{zh: "{HOSTILE}", en: "{HOSTILE}"}}'
    )
    text = text.replace("label: {zh: 参保类别,", 'label: {zh: "<img src=x onerror=alert(2)>",')
    text = text.replace("employee: {zh: 职工,", 'employee: {zh: "</option><b>x",')
    text = text.replace(
        "  - A made-up policy", "  - </script><script>alert(3)</script> A made-up policy"
    )
    return make_project(tmp_path_factory.mktemp("hostile"), text)


@pytest.mark.parametrize("url", ["/", f"/policies/{POLICY}", f"/policies/{POLICY}/case", "/cases"])
def test_markup_in_names_is_shown_as_text_everywhere(hostile_project, url):
    client = TestClient(create_app(hostile_project), raise_server_exceptions=False)
    page = client.get(url, headers=ZH)
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "<img src=x" not in page.text and "</option><b>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_markup_in_a_chart_cannot_close_its_script_element(hostile_project):
    client = TestClient(create_app(hostile_project), raise_server_exceptions=False)
    page = client.get(f"/policies/{POLICY}", headers=ZH).text
    for body in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S):
        assert "<" not in body  # Jinja's tojson writes < as \u003c
    assert chart_options(page)  # and the options still read back


def test_markup_in_an_uploaded_sheet_is_shown_as_text(client, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Sheet"
    book.active["A1"] = "<script>alert(4)</script>"
    path = tmp_path / "x.xlsx"
    book.save(path)
    page = client.post(
        "/workbook", files={"file": ("<b>x</b>.xlsx", path.read_bytes())}, headers=EN
    )
    assert "<script>alert(4)" not in page.text and "&lt;script&gt;alert(4)" in page.text
    assert "<b>x</b>" not in page.text


# -- the pages' words -----------------------------------------------------------------------------


def test_every_word_of_the_templates_is_in_both_catalogues():
    from generator.core.messages import catalogue

    keys = set()
    for template in (Path(charts.__file__).parent / "templates").glob("*.html"):
        keys |= set(
            re.findall(r"""_\(\s*["']([a-z0-9.-]+)["']""", template.read_text(encoding="utf-8"))
        )
    assert keys
    for language_name in ("en", "zh"):
        missing = sorted(keys - set(catalogue(language_name)))
        assert not missing, f"{language_name}: {missing}"


def test_the_chart_library_is_served_by_ratebook_itself_with_its_licence(client):
    script = client.get("/static/echarts/echarts.common.min.js")
    assert script.status_code == 200 and "Apache" in script.text[:2000]
    assert "Apache License" in client.get("/static/echarts/LICENSE").text
    page = client.get(f"/policies/{POLICY}").text
    sources = re.findall(r'<script src="([^"]+)"', page)
    assert sources == ["/static/echarts/echarts.common.min.js", "/static/desk.js"]
    assert "http" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', page)).replace(
        "hreflang", ""
    )


def test_a_broken_yaml_policy_is_shown_with_the_wrong_line_marked(client):
    text = (FIXTURES / "grant.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if "rate: 10%}" in line)
    broken = text.replace("up_to: 5000, rate: 10%}", "up_to: 5000, rate: 130%}")
    page = client.post("/workbook", files={"file": ("grant.yaml", broken.encode())}, headers=EN)
    assert page.status_code == 200
    assert re.findall(r'<td class="marked" data-line="(\d+)"', page.text) == [str(number)]
    finding = re.search(
        r'<li class="finding error">\s*<a href="#([^"]+)"><code>([^<]+)</code>', page.text
    )
    assert finding.group(1) == f"line-{number}"
    assert finding.group(2).startswith(f"grant.yaml:{number}:")
    assert "rate 1.3 is above 1" in text_of(page.text)


def test_with_a_service_token_an_upload_on_the_desk_needs_it(project, tmp_path):
    guarded = TestClient(create_app(project, token="s3cret"), raise_server_exceptions=False)
    form = guarded.get("/workbook", headers=EN).text
    assert 'name="token"' in form
    upload = {"file": ("x.yaml", b"ratebook: 1\n")}
    refused = guarded.post("/workbook", files=upload, data={"token": "wrong"}, headers=EN)
    assert refused.status_code == 401
    taken = guarded.post("/workbook", files=upload, data={"token": "s3cret"}, headers=EN)
    assert taken.status_code == 200


def test_a_case_workbook_saved_from_excel_is_run_too(client, tmp_path):
    book = openpyxl.Workbook()
    sheet_ = book.active
    for row in (["参保类别", "自付费用", "场地面积"], ["职工", 6000, 100], ["居民", 1234.56, 50]):
        sheet_.append(row)  # headers by the inputs' Chinese labels, values as officers type them
    path = tmp_path / "cases.xlsx"
    book.save(path)
    page = client.post(
        "/cases",
        data={"policy": POLICY, "on": "2020-06-01"},
        files={"file": ("cases.xlsx", path.read_bytes())},
        headers=ZH,
    )
    assert page.status_code == 200, text_of(page.text)
    assert "读入 2 行 = 输出 2 行 + 拒绝 0 行" in text_of(page.text)
    preview = re.search(r'<table class="results">.*?</table>', page.text, re.S).group(0)
    assert "600.00" in preview and "61.73" in preview
