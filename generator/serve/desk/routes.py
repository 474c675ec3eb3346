"""Pages of the officer's desk: the policies, one policy with its charts, a case, a workbook
checked, a case file run and compared.

Each page is HTML made on the server (`pages.py`), in Chinese unless the reader chose English
(`language.py`); forms POST, so everything but the charts works without JavaScript. The pages
call the same operations as the JSON API (`generator.serve.service`) on the request's build
(`app.state.tree.current()`, taken once), and show a refusal as a page with its findings and
the API's status (404 unknown policy, 413 too large, 422 a case that cannot be evaluated).
Uploads are read into memory up to a bound, never written anywhere but a temporary folder
that the operation removes; the results of a case file come back inside the page as a
download link (`data:`), so nothing is kept on the server between requests.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from generator.core.errors import RatebookError
from generator.core.findings import summary
from generator.core.messages import in_language, render
from generator.serve import service
from generator.serve.desk import batch_view, charts, pages, sheet, views
from generator.serve.desk.language import COOKIE, chosen, page_language

STATIC = Path(__file__).resolve().parent.parent / "static"
DESK_CASE_FILE_BYTES = 4 * 1024 * 1024  # a case file run on the desk; larger files: the API
DESK_CASE_FILE_ROWS = 100_000
T = TypeVar("T")


# -- what every page does ---------------------------------------------------------------------


def _language(request: Request) -> str:
    return page_language(
        request.query_params, request.cookies, request.headers.get("accept-language")
    )


def _page(
    request: Request, template: str, lang: str, status: int = 200, **context: Any
) -> HTMLResponse:
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    html = pages.page(template, lang, request.url.path, query, **context)
    response = HTMLResponse(html, status_code=status, headers={"Content-Language": lang})
    if chosen(request.query_params.get("lang")):  # a switch: remembered for the next pages
        response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


def _speaking(lang: str, work: Callable[..., T], *args: Any) -> T:
    """`work(*args)` with every message it makes in `lang` (run in a worker thread)."""
    with in_language(lang):
        return work(*args)


def _refusal(request: Request, lang: str, error: RatebookError) -> HTMLResponse:
    status = getattr(error, "status", 422)
    with in_language(lang):
        problems = [views.finding_view(service.finding_data(f)) for f in error.findings]
    heading = render("desk.refused", {"status": status}, lang)
    return _page(request, "error.html", lang, status, heading=heading, problems=problems)


def _snapshot(request: Request):
    try:
        return request.app.state.tree.current()
    except RatebookError as error:
        raise service.Refused(503, error.findings) from None


def _day(text: str | None) -> dt.date | None:
    """A date as `--on` reads it (2012-07-01, 2012/7/1, 2012年7月1日); 400 when it is none."""
    from generator.serve.app import date_param  # the app imports this module

    return date_param(text.strip() if text else None)


async def _form(request: Request, limit: int):
    """The posted form, refused (413) when larger than `limit`."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise service.Refused(413, [summary("serve-too-large", limit=limit)])
    try:
        return await request.form(max_files=1, max_fields=64, max_part_size=limit)
    except HTTPException as exc:
        raise service.Refused(400, [summary("serve-upload-form", reason=str(exc.detail))]) from None


async def _upload(form, limit: int) -> tuple[str, bytes]:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise service.Refused(400, [summary("serve-upload-missing")])
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise service.Refused(413, [summary("serve-too-large", limit=limit)])
    return upload.filename, data


def _check_token(request: Request, form) -> None:
    """With a service token, an upload on the desk carries it in the form's `token` field."""
    token = request.app.state.token
    if not token:
        return
    given = form.get("token")
    if not isinstance(given, str) or not hmac.compare_digest(given.strip(), token):
        raise service.Refused(401, [summary("desk-token", path=request.url.path)])


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB"


# -- the policies --------------------------------------------------------------------------------


async def policies_page(request: Request) -> Response:
    lang = _language(request)
    try:
        with in_language(lang):
            snapshot = _snapshot(request)
            listed = service.list_policies(snapshot, lang)
            documents: dict[str, dict[str, Any] | None] = {}
            for p in listed:
                try:
                    documents[p["id"]] = service.policy_document(snapshot, p["id"])
                except RatebookError:
                    documents[p["id"]] = None  # the source changed since the build: shown bare
            areas = views.areas(listed, documents, lang)
            return _page(request, "policies.html", lang, areas=areas)
    except RatebookError as error:
        return _refusal(request, lang, error)


async def policy_page(request: Request) -> Response:
    lang = _language(request)
    policy_id = request.path_params["policy_id"]
    try:
        with in_language(lang):
            on = _day(request.query_params.get("on"))
            snapshot = _snapshot(request)
            doc = service.policy_document(snapshot, policy_id, on)
            schema = service.case_schema(snapshot, policy_id)
            return _page(
                request,
                "policy.html",
                lang,
                policy=views.policy_summary(doc, lang),
                on=on.isoformat() if on else "",
                charts=charts.policy_charts(doc, lang, views.value_labels(schema)),
                parameters=views.parameter_views(doc, lang, schema),
                fields=views.case_fields(schema, lang),
                advice=views.advice_views(doc, lang),
            )
    except RatebookError as error:
        return _refusal(request, lang, error)


# -- one case ------------------------------------------------------------------------------------


async def case_page(request: Request) -> Response:
    lang = _language(request)
    policy_id = request.path_params["policy_id"]
    posted: dict[str, str] = {}
    if request.method == "POST":
        try:
            form = await _form(request, request.app.state.limits.json_bytes)
        except RatebookError as error:
            return _refusal(request, lang, error)
        posted = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        with in_language(lang):
            snapshot = _snapshot(request)
            doc = service.policy_document(snapshot, policy_id)
            schema = service.case_schema(snapshot, policy_id)
            context: dict[str, Any] = {
                "policy": views.policy_summary(doc, lang),
                "on": posted.get("on") or dt.date.today().isoformat(),
                "explain": request.method == "GET" or bool(posted.get("explain")),
                "result": None,
                "problems": [],
                "field_errors": {},
            }
            status = 200
            if request.method == "POST":
                inputs = {
                    name: posted[name].strip()
                    for name in schema.get("properties", {})
                    if posted.get(name, "").strip()
                }
                try:
                    on = _day(posted.get("on")) or dt.date.today()
                    answer = service.evaluate_case(
                        snapshot, policy_id, on, inputs, explain=bool(posted.get("explain"))
                    )
                    context["result"] = views.result_view(answer, doc, lang)
                except RatebookError as error:
                    status = getattr(error, "status", 422)
                    data = [service.finding_data(f) for f in error.findings]
                    context["problems"] = [views.finding_view(d) for d in data]
                    context["field_errors"] = views.field_errors(
                        _field_problems(snapshot, policy_id, inputs, posted.get("on")), schema
                    )
            context["fields"] = views.case_fields(schema, lang, posted)
            return _page(request, "case.html", lang, status, **context)
    except RatebookError as error:
        return _refusal(request, lang, error)


def _field_problems(snapshot, policy_id: str, inputs: dict[str, str], on_text: str | None) -> list:
    """(field, words) of each bad input, from the generated module's own `validate`."""
    try:
        on = _day(on_text) or dt.date.today()
        module = snapshot.module(policy_id)
        return list(module.validate(service.case_by_id(module, inputs), on))
    except RatebookError:
        return []


# -- a workbook checked ----------------------------------------------------------------------------


async def workbook_page(request: Request) -> Response:
    lang = _language(request)
    limit = request.app.state.limits.policy_bytes
    context: dict[str, Any] = {
        "limit": _size(limit),
        "checked": False,
        "token": bool(request.app.state.token),
        "max_rows": sheet.MAX_ROWS,
        "max_columns": sheet.MAX_COLUMNS,
    }
    if request.method == "GET":
        return _page(request, "workbook.html", lang, **context)
    try:
        form = await _form(request, limit)
        _check_token(request, form)
        filename, data = await _upload(form, limit)
        answer = await run_in_threadpool(_speaking, lang, service.validate_upload, filename, data)
        drawn = await run_in_threadpool(batch_view.workbook_view, answer, data)
    except RatebookError as error:
        return _refusal(request, lang, error)
    context.update(drawn, checked=True, filename=answer["file"])
    return _page(request, "workbook.html", lang, **context)


# -- a case file run, and compared with a git ref ----------------------------------------------------


async def cases_page(request: Request) -> Response:
    lang = _language(request)
    limit = min(DESK_CASE_FILE_BYTES, request.app.state.limits.batch_bytes)
    try:
        with in_language(lang):
            snapshot = _snapshot(request)
            listed = service.list_policies(snapshot, lang)
    except RatebookError as error:
        return _refusal(request, lang, error)
    context: dict[str, Any] = {
        "limit": _size(limit),
        "policies": [{"id": p["id"], "title": p["name"]} for p in listed],
        "chosen": request.query_params.get("policy", ""),
        "on": "",
        "base": "",
        "token": bool(request.app.state.token),
        "batch": None,
        "diff": None,
        "problems": [],
    }
    if request.method == "GET":
        return _page(request, "cases.html", lang, **context)
    status = 200
    try:
        form = await _form(request, limit)
        _check_token(request, form)
        policy_id = str(form.get("policy") or "")
        context.update(
            chosen=policy_id, on=str(form.get("on") or ""), base=str(form.get("base") or "").strip()
        )
        filename, data = await _upload(form, limit)
        on = _day(context["on"])
        context["filename"] = Path(filename.replace("\\", "/")).name
        context["batch"] = await run_in_threadpool(
            _speaking,
            lang,
            batch_view.run_case_file,
            snapshot,
            policy_id,
            context["filename"],
            data,
            on,
            DESK_CASE_FILE_ROWS,
        )
        if context["base"]:
            context["diff"] = await run_in_threadpool(
                _speaking,
                lang,
                batch_view.compare_case_file,
                request.app.state.tree.root,
                context["base"],
                context["filename"],
                data,
                on,
                policy_id,
                lang,
            )
    except RatebookError as error:
        status = getattr(error, "status", 422)
        with in_language(lang):
            context["problems"] = [
                views.finding_view(service.finding_data(f)) for f in error.findings
            ]
    return _page(request, "cases.html", lang, status, **context)


def desk_routes() -> list[BaseRoute]:
    """The desk's routes (pages and /static)."""
    return [
        Route("/", policies_page, methods=["GET"]),
        Route("/policies/{policy_id}", policy_page, methods=["GET"]),
        Route("/policies/{policy_id}/case", case_page, methods=["GET", "POST"]),
        Route("/workbook", workbook_page, methods=["GET", "POST"]),
        Route("/cases", cases_page, methods=["GET", "POST"]),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
