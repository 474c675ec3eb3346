"""`ratebook serve` through Starlette's TestClient: the API's answers, refusals and limits.

The project is a fixture of its own (tests/serve/allowance.yaml: a marginal scale for
employees that changed on 2021-01-01, a flat 5% for residents), built into a temporary folder,
so the numbers below are computed by hand from that file:
employee, 6000 yuan in 2020: 4000 × 10% + 1000 × 20% = 600.00; in 2021: 4000 × 15% + 1000 ×
25% = 850.00; resident, 1234.56 yuan: × 5% = 61.728 → 61.73 (half-up to the fen).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

import cli
from generator.serve.app import Limits, accepted_language, create_app

FIXTURE = Path(__file__).resolve().parent / "serve" / "allowance.yaml"
POLICY = "demo.allowance"
EVALUATE = f"/api/policies/{POLICY}/evaluate"
BATCH = f"/api/policies/{POLICY}/batch"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}


def build(root: Path) -> None:
    result = CliRunner().invoke(cli.main, ["--root", str(root), "--lang", "en", "build"])
    assert result.exit_code == 0, result.output


def served_project(root: Path) -> Path:
    """`root` as a project of the served fixture policy, built."""
    (root / "policies" / "demo").mkdir(parents=True)
    shutil.copy(FIXTURE, root / "policies" / "demo" / "allowance.yaml")
    build(root)
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return served_project(tmp_path_factory.mktemp("served"))


@pytest.fixture(scope="module")
def client(project) -> TestClient:
    return TestClient(create_app(project), raise_server_exceptions=False)


def is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert "Traceback" not in response.text
    return body


# -- policies -------------------------------------------------------------------------------


def test_the_policies_are_listed_with_their_titles_in_the_language_asked(client):
    (listed,) = client.get("/api/policies", headers=ZH).json()
    assert listed["id"] == POLICY and listed["area"] == "demo"
    assert listed["name"] == "测试补贴"
    assert listed["inputs"] == [
        {"id": "scheme", "label": {"zh": "参保类别", "en": "Insurance scheme"}},
        {"id": "cost", "label": {"zh": "自付费用", "en": "Out-of-pocket cost"}},
    ]
    assert client.get("/api/policies").json()[0]["name"] == "Test allowance"


def test_a_policy_document_on_a_date_holds_only_the_values_in_force_that_day(client):
    whole = client.get(f"/api/policies/{POLICY}").json()
    on_2020 = client.get(f"/api/policies/{POLICY}", params={"on": "2020-03-01"}).json()
    assert whole["id"] == on_2020["id"] == POLICY

    def rates(document):
        scale = document["parameters"]["employee_scale"]
        return [[b["rate"] for b in period["brackets"]] for period in scale["values"]]

    assert rates(whole) == [["0.1", "0.2"], ["0.15", "0.25"]]
    assert rates(on_2020) == [["0.1", "0.2"]]


def test_an_unknown_policy_is_404_naming_the_served_ones(client):
    body = is_problem(client.post("/api/policies/demo.nothing/evaluate", json={}), 404)
    assert body["findings"][0]["code"] == "unknown-policy"
    assert POLICY in body["detail"]
    is_problem(client.get("/api/policies/..%2F..%2Fetc"), 404)


# -- one case -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "inputs", "expected"),
    [
        ("2020-06-01", {"scheme": "employee", "cost": 6000}, "600.00"),
        ("2021-06-01", {"scheme": "employee", "cost": 6000}, "850.00"),
        ("2020-06-01", {"scheme": "employee", "cost": 1000}, "0.00"),  # up to the first bound
        ("2020-06-01", {"scheme": "employee", "cost": 5000}, "400.00"),  # 4000 × 10%
        ("2020-06-01", {"scheme": "resident", "cost": 1234.56}, "61.73"),
        # by label: the input's Chinese label, the value's label, an amount in 万
        ("2021-06-01", {"参保类别": "职工", "自付费用": "0.6万"}, "850.00"),
    ],
)
def test_a_case_is_evaluated_by_id_or_label(client, on, inputs, expected):
    response = client.post(EVALUATE, json={"on": on, "inputs": inputs})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["outputs"] == {"allowance": expected}
    assert body["on"] == on and "explain" not in body
    assert set(body["inputs"]) == {"scheme", "cost"}


def test_an_exact_decimal_stays_exact(client):
    # 0.1 read as a binary float would be 0.1000000000000000055…; × 5% = 0.005 → 0.01 half-up
    response = client.post(
        EVALUATE,
        content=b'{"on": "2020-06-01", "inputs": {"scheme": "resident", "cost": 0.1}}',
        headers={"content-type": "application/json"},
    )
    assert response.json()["outputs"] == {"allowance": "0.01"}


def test_explain_gives_each_step_with_the_source_clause_and_quote(client):
    response = client.post(
        EVALUATE,
        json={"on": "2021-06-01", "inputs": {"scheme": "employee", "cost": 6000}, "explain": True},
    )
    body = response.json()
    assert body["outputs"] == {"allowance": "850.00"}
    sources = [step["source"] for step in body["explain"] if step["source"]]
    assert "第2条; 超过1000元至5000元的部分按10%补贴，5000元以上的部分按20%补贴" in sources
    steps = [step["step"] for step in body["explain"]]
    assert any("4000 × 0.15 = 600" in s for s in steps)
    assert any("1000 × 0.25 = 250" in s for s in steps)
    query = client.post(
        EVALUATE + "?explain=true",
        json={"on": "2021-06-01", "inputs": {"scheme": "employee", "cost": 6000}},
    )
    assert query.json()["explain"] == body["explain"]


def test_a_bad_case_is_422_with_every_reason_in_the_language_asked(client):
    case = {"on": "2020-06-01", "inputs": {"scheme": "worker", "cost": -1}}
    english = is_problem(client.post(EVALUATE, json=case), 422)
    chinese = is_problem(client.post(EVALUATE, json=case, headers=ZH), 422)
    assert [f["message"] for f in english["findings"]] == [
        "demo.allowance: the case cannot be evaluated:",
        "scheme: 'worker' is not one of: employee (职工, Employee), resident (居民, Resident)",
        "cost: -1 is below the minimum 0",
    ]
    assert chinese["findings"][0]["message"] == "测试补贴（demo.allowance）：该案例无法计算："
    assert chinese["findings"][2]["message"] == "自付费用（cost）：-1 低于下限 0"
    # the title is in the reader's language too; the type, for machines, is the same
    assert (english["title"], chinese["title"]) == ("Unprocessable Content", "请求内容无法处理")
    assert english["type"] == chinese["type"] == "urn:ratebook:problem:case-invalid"


def test_a_date_before_the_rule_is_in_force_is_422(client):
    case = {"on": "2019-06-01", "inputs": {"scheme": "employee", "cost": 6000}}
    body = is_problem(client.post(EVALUATE, json=case), 422)
    assert body["findings"][0]["code"] == "case-not-in-force"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"{not json", "serve-json"),
        (b"[" * 100_000 + b"]" * 100_000, "serve-json-depth"),
        (b"[1, 2]", "serve-evaluate-body"),
        (b'{"inputs": [1]}', "serve-evaluate-body"),
        (b'{"inputs": {}, "when": "2020-01-01"}', "serve-evaluate-keys"),
        (b'{"on": "2020-13-01", "inputs": {}}', "serve-date"),
        (b'{"on": 20200101, "inputs": {}}', "serve-date"),
        (b'{"explain": "maybe", "inputs": {}}', "serve-flag"),
        (
            b'{"on": "2020-06-01", "inputs": {"scheme": "employee", "\xe5\x8f\x82\xe4\xbf\x9d\xe7\xb1\xbb\xe5\x88\xab": "resident"}}',
            "serve-input-twice",
        ),
    ],
)
def test_a_bad_request_is_a_4xx_problem_never_a_5xx(client, content, code):
    response = client.post(EVALUATE, content=content, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["findings"][0]["code"] == code


def test_a_body_over_the_limit_is_413(project):
    small = TestClient(create_app(project, limits=Limits(json_bytes=64)))
    case = {"on": "2020-06-01", "inputs": {"scheme": "employee", "cost": 6000}, "explain": False}
    body = is_problem(small.post(EVALUATE, json=case), 413)
    assert body["findings"][0]["code"] == "serve-too-large"


def test_the_accept_language_header_picks_zh_or_en_by_preference():
    assert accepted_language("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert accepted_language("en-US,en;q=0.9,zh;q=0.8") == "en"
    assert accepted_language("fr, zh;q=0.5") == "zh"
    assert accepted_language("zh;q=0, en") == "en"
    assert accepted_language(None) == "en"
    assert accepted_language("de") == "en"


# -- a batch ---------------------------------------------------------------------------------

CASES_CSV = "scheme,cost\nemployee,6000\nresident,abc\n居民,1234.56\nworker,-5\n".encode()


def test_a_csv_batch_streams_every_row_back_with_the_refused_ones_in_place(client):
    response = client.post(
        BATCH + "?on=2020-06-01", content=CASES_CSV, headers={"content-type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-ratebook-rows-in"] == "4"
    lines = response.text.splitlines()
    assert lines[0] == '"row","scheme","cost","allowance","refused_field","refused_reason"'
    assert lines[1] == '1,"employee","6000",600.00,,'
    assert lines[2].startswith('2,"resident","abc",,"cost","\'abc\' is not a number')
    assert lines[3] == '3,"居民","1234.56",61.73,,'
    # a row refused for two reasons is there once per reason, as in the CLI's errors file
    assert [line.split(",")[:5] for line in lines[4:]] == [
        ["4", '"worker"', '"-5"', "", '"cost"'],
        ["4", '"worker"', '"-5"', "", '"scheme"'],
    ]


@pytest.mark.parametrize("out", ["parquet", "arrow", "jsonl"])
def test_a_parquet_batch_answers_in_each_format_with_exact_money(client, out):
    cases = pa.table({"scheme": ["employee", "resident"], "cost": ["6000", "1234.56"]})
    sink = io.BytesIO()
    pq.write_table(cases, sink)
    response = client.post(
        f"{BATCH}?format=parquet&out={out}&on=2021-06-01", content=sink.getvalue()
    )
    assert response.status_code == 200, response.text
    if out == "parquet":
        table = pq.read_table(io.BytesIO(response.content))
    elif out == "arrow":
        table = pa.ipc.open_stream(response.content).read_all()
    else:
        import json

        rows = [json.loads(line) for line in response.text.splitlines()]
        assert [r["allowance"] for r in rows] == ["850.00", "61.73"]
        return
    assert table.column("row").to_pylist() == [1, 2]
    assert [str(v) for v in table.column("allowance").to_pylist()] == ["850.00", "61.73"]
    assert table.column("refused_reason").to_pylist() == [None, None]


def test_an_arrow_batch_is_read(client):
    cases = pa.table({"scheme": ["employee"], "cost": ["6000"]})
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, cases.schema) as writer:
        writer.write_table(cases)
    response = client.post(
        f"{BATCH}?on=2020-06-01&out=csv",
        content=sink.getvalue(),
        headers={"content-type": "application/vnd.apache.arrow.stream"},
    )
    assert response.text.splitlines()[1] == '1,"employee","6000",600.00,,'


def test_a_batch_with_too_many_rows_or_no_input_column_is_refused_before_any_result(project):
    small = TestClient(create_app(project, limits=Limits(batch_rows=3)))
    is_problem(small.post(BATCH, content=CASES_CSV, headers={"content-type": "text/csv"}), 413)
    body = is_problem(
        small.post(BATCH, content=b"a,b\n1,2\n", headers={"content-type": "text/csv"}), 400
    )
    assert body["findings"][0]["code"] == "case-file"
    is_problem(small.post(BATCH + "?format=xml", content=b"<a/>"), 400)
    is_problem(small.post(BATCH + "?format=parquet", content=b"not parquet"), 400)


# -- an uploaded policy ------------------------------------------------------------------------


def test_an_uploaded_policy_is_checked_and_its_findings_placed(client):
    broken = FIXTURE.read_bytes().replace(b"rate: 20%", b"rate: 120%")
    response = client.post("/api/validate", files={"file": ("mine.yaml", broken)})
    body = response.json()
    assert body["ok"] is False and body["file"] == "mine.yaml"
    (finding,) = body["findings"]
    assert finding["code"] == "rate-range"
    assert finding["place"] == f"mine.yaml:{finding['line']}:{finding['column']}"
    assert broken.decode().splitlines()[finding["line"] - 1].strip().endswith("rate: 120%}")
    good = client.post("/api/validate?filename=good.yaml", content=FIXTURE.read_bytes()).json()
    assert (good["ok"], good["policy"], good["findings"]) == (True, POLICY, [])


def test_an_upload_that_is_no_policy_file_is_400(client):
    body = is_problem(client.post("/api/validate", files={"file": ("x.exe", b"MZ")}), 400)
    assert body["findings"][0]["code"] == "serve-upload-type"
    is_problem(client.post("/api/validate", content=b"x"), 400)


def test_the_token_guards_batch_and_upload_but_not_evaluate(project):
    guarded = TestClient(create_app(project, token="s3cret"))
    is_problem(guarded.post(BATCH, content=CASES_CSV), 401)
    is_problem(guarded.post("/api/validate?filename=x.yaml", content=b"x: 1"), 401)
    wrong = guarded.post(BATCH, content=CASES_CSV, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = guarded.post(
        BATCH + "?on=2020-06-01", content=CASES_CSV, headers={"Authorization": "Bearer s3cret"}
    )
    assert right.status_code == 200
    case = {"on": "2020-06-01", "inputs": {"scheme": "employee", "cost": 6000}}
    assert guarded.post(EVALUATE, json=case).status_code == 200


# -- the served tree ----------------------------------------------------------------------------


def test_a_rebuild_is_served_without_a_restart(tmp_path):
    root = tmp_path / "project"
    (root / "policies" / "demo").mkdir(parents=True)
    shutil.copy(FIXTURE, root / "policies" / "demo" / "allowance.yaml")
    build(root)
    client = TestClient(create_app(root, recheck_seconds=0))
    case = {"on": "2020-06-01", "inputs": {"scheme": "resident", "cost": 1000}}
    assert client.post(EVALUATE, json=case).json()["outputs"] == {"allowance": "50.00"}
    source = root / "policies" / "demo" / "allowance.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("value: 5%", "value: 7%"))
    # the source changed but not the build: still the build's answer, explained from the
    # source as it was when the build was loaded; a service started now cannot explain it
    assert client.post(EVALUATE, json=case).json()["outputs"] == {"allowance": "50.00"}
    explained = client.post(EVALUATE + "?explain=true", json=case).json()
    assert explained["outputs"] == {"allowance": "50.00"}
    fresh = TestClient(create_app(root))
    assert fresh.post(EVALUATE, json=case).json()["outputs"] == {"allowance": "50.00"}
    is_problem(fresh.post(EVALUATE + "?explain=true", json=case), 409)
    build(root)
    assert client.post(EVALUATE, json=case).json()["outputs"] == {"allowance": "70.00"}
    explained = client.post(EVALUATE + "?explain=true", json=case).json()
    assert explained["outputs"] == {"allowance": "70.00"}


def test_without_a_build_the_service_answers_503(tmp_path):
    client = TestClient(create_app(tmp_path))
    body = is_problem(client.get("/api/policies"), 503)
    assert body["findings"][0]["code"] == "index-missing"


# -- diff ------------------------------------------------------------------------------------


def _git(root: Path, *args: str) -> None:
    import subprocess

    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_diff_against_a_git_ref_is_the_report_of_ratebook_diff(tmp_path):
    root = tmp_path / "project"
    (root / "policies" / "demo").mkdir(parents=True)
    source = root / "policies" / "demo" / "allowance.yaml"
    shutil.copy(FIXTURE, source)
    _git(root, "init", "-q")
    _git(root, "add", "policies")
    _git(root, "commit", "-qm", "first")
    source.write_text(source.read_text(encoding="utf-8").replace("value: 5%", "value: 7%"))
    build(root)
    cases = tmp_path / "cases.csv"
    cases.write_text("scheme,cost,on\nresident,1000,2020-06-01\nemployee,6000,2020-06-01\n")
    client = TestClient(create_app(root))

    answer = client.post(
        f"/api/diff?base=HEAD&policy={POLICY}", files={"file": ("cases.csv", cases.read_bytes())}
    ).json()
    cli_report = CliRunner().invoke(
        cli.main,
        [
            *("--root", str(root), "--lang", "en", "diff", "--base", "HEAD"),
            *("--policy", POLICY, "--cases", str(cases)),
        ],
    )
    assert cli_report.exit_code == 0, cli_report.output
    assert answer["changed"] is True
    # the same report; the case file named as it was sent
    assert answer["text"] == cli_report.output.replace(str(cases), "cases.csv").splitlines()
    # resident, 1000 yuan: 5% → 7% is 50.00 → 70.00; the employee's scale did not change
    assert any("50.00" in line and "70.00" in line for line in answer["text"])


@pytest.mark.parametrize("base", ["--output=x", "/etc", ".", "a..b", "HEAD@{1}", ""])
def test_diff_takes_only_a_git_ref(client, base):
    response = client.post("/api/diff", params={"base": base})
    body = is_problem(response, 400)
    assert body["findings"][0]["code"] in ("serve-diff-ref", "serve-diff-base")


def test_a_batch_of_a_header_alone_answers_the_columns_and_no_row(client):
    response = client.post(BATCH, content=b"scheme,cost\n", headers={"content-type": "text/csv"})
    assert response.status_code == 200
    assert response.headers["x-ratebook-rows-in"] == "0"
    assert response.text.splitlines() == [
        '"row","scheme","cost","allowance","refused_field","refused_reason"'
    ]


def test_an_unreadable_case_file_is_named_as_sent_not_by_the_servers_folder(client):
    body = is_problem(client.post(BATCH, content=b"", headers={"content-type": "text/csv"}), 400)
    assert body["findings"][0]["place"] == "cases.csv"
    assert "/tmp" not in body["detail"]


def test_a_workbook_of_cases_is_read_and_answered_as_csv(client):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["参保类别", "自付费用"])  # the inputs' Chinese labels head the columns
    sheet.append(["职工", 6000])
    sheet.append(["居民", "1234.56"])
    sink = io.BytesIO()
    book.save(sink)
    response = client.post(BATCH + "?format=xlsx&on=2021-06-01", content=sink.getvalue())
    assert response.status_code == 200, response.text
    lines = response.text.splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["1", "2"]
    assert ["850.00", "61.73"] == [line.split(",")[3] for line in lines[1:]]


def test_each_worker_builds_the_service_the_command_described(project, monkeypatch):
    """`ratebook serve` hands the project, the token and the CORS origins to its worker
    processes through the environment; each builds the same service from it."""
    from generator.serve import main

    monkeypatch.setenv("RATEBOOK_SERVE_ROOT", str(project))
    monkeypatch.setenv("RATEBOOK_TOKEN", "t0ken")
    monkeypatch.setenv("RATEBOOK_SERVE_CORS", "http://intranet.example")
    worker = TestClient(main.app())
    assert worker.get("/api/policies").json()[0]["id"] == POLICY
    assert worker.post(BATCH, content=CASES_CSV).status_code == 401
    allowed = worker.options(
        EVALUATE,
        headers={"Origin": "http://intranet.example", "Access-Control-Request-Method": "POST"},
    )
    assert allowed.headers["access-control-allow-origin"] == "http://intranet.example"
    refused = worker.options(
        EVALUATE,
        headers={"Origin": "http://elsewhere.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in refused.headers


def test_cors_is_off_by_default(client):
    answer = client.get("/api/policies", headers={"Origin": "http://elsewhere.example"})
    assert "access-control-allow-origin" not in answer.headers


def test_the_readmes_limits_are_the_services():
    from generator.serve import app

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    shown = {"1 MiB": 2**20, "5 MiB": 5 * 2**20, "200 MiB": 200 * 2**20, "10,000,000": 10**7}
    for name in ("MAX_JSON_BYTES", "MAX_POLICY_BYTES", "MAX_BATCH_BYTES", "MAX_BATCH_ROWS"):
        (row,) = [line for line in readme.splitlines() if f"| `{name}` |" in line]
        value = row.split("|")[2].strip().partition(" (")[0]
        assert shown[value] == getattr(app, name), name


def test_a_generated_folder_mixing_two_builds_is_never_served(tmp_path):
    """The index of one build with a module of another (a build caught half-written) is not
    loaded: the service keeps answering from the last whole build, or says it has none."""
    from generator.core.errors import RatebookError
    from generator.serve.tree import ServedTree, load_snapshot

    old, new = tmp_path / "old", tmp_path / "new"
    for root, share in ((old, "5%"), (new, "7%")):
        (root / "policies" / "demo").mkdir(parents=True)
        text = FIXTURE.read_text(encoding="utf-8").replace("value: 5%", f"value: {share}")
        (root / "policies" / "demo" / "allowance.yaml").write_text(text, encoding="utf-8")
        build(root)
    assert (
        load_snapshot(new).index[POLICY]["source_sha256"]
        != (load_snapshot(old).index[POLICY]["source_sha256"])
    )
    served = ServedTree(new, recheck_seconds=0)
    whole = served.current()
    module = "generated/demo/allowance.py"
    shutil.copy(old / module, new / module)  # new index, old module
    with pytest.raises(RatebookError) as refused:
        load_snapshot(new)
    assert refused.value.findings[0].code == "serve-build-unsettled"
    assert served.current() is whole  # the last whole build, still
    with pytest.raises(RatebookError):
        ServedTree(new).current()  # a service started now has no whole build to serve


@pytest.mark.parametrize(
    ("columns", "code"),
    [
        ({"scheme": [{"a": 1}], "cost": ["1"]}, "serve-batch-column-type"),
        ({"scheme": pa.array([b"\xff"]), "cost": ["1"]}, "serve-batch-unreadable"),
    ],
)
def test_a_case_file_whose_columns_hold_no_text_is_400_before_any_answer(client, columns, code):
    sink = io.BytesIO()
    pq.write_table(pa.table(columns), sink)
    response = client.post(f"{BATCH}?format=parquet&out=csv", content=sink.getvalue())
    assert is_problem(response, 400)["findings"][0]["code"] == code


def test_bytes_that_are_utf8_text_are_read_as_text(client):
    sink = io.BytesIO()
    pq.write_table(pa.table({"scheme": pa.array([b"employee"]), "cost": ["6000"]}), sink)
    response = client.post(f"{BATCH}?format=parquet&out=csv&on=2020-06-01", content=sink.getvalue())
    assert response.text.splitlines()[1] == '1,"employee","6000",600.00,,'


def test_every_chunk_of_a_batch_is_worded_in_the_language_asked(client, monkeypatch):
    from generator.serve import service

    monkeypatch.setattr(service, "BATCH_CHUNK_ROWS", 2)  # rows 3 and 4 in a later chunk
    response = client.post(
        BATCH + "?on=2020-06-01", content=CASES_CSV, headers={"content-type": "text/csv", **ZH}
    )
    import csv

    rows = list(csv.DictReader(io.StringIO(response.text)))
    reasons = [row["refused_reason"] for row in rows]
    assert reasons[1] == "'abc' 不是数字；请写成 20000、0.3、30%、20,000 或 2万 这样的数字"
    assert [row["row"] for row in rows] == ["1", "2", "3", "4", "4"]
    assert reasons[3] == "-5 低于下限 0" and "不在可选值之列" in reasons[4]  # the later chunk
