"""The decision service over HTTP: JSON endpoints under /api, the officer's desk at /.

A thin layer over `generator.serve.service`: each endpoint reads the request (size-limited),
takes the current snapshot of the generated tree once, calls one operation and writes its
answer. Whatever goes wrong becomes an RFC 9457 problem (`application/problem+json`) with the
findings in the language of `Accept-Language`: a request the service cannot use is a 4xx;
anything else is a 500 that says so without a trace (the trace goes to the server's log).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from http import HTTPStatus
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from generator.core.errors import RatebookError
from generator.core.findings import Finding, summary
from generator.core.limits import (
    CASE_FILE_MAX_BYTES,
    MIB,
    POLICY_FILE_MAX_BYTES,
    POLICY_WORKBOOK_MAX_BYTES,
)
from generator.core.messages import CHINESE, ENGLISH, current_language, in_language, words
from generator.serve import service
from generator.serve.desk.routes import desk_routes
from generator.serve.tree import ServedTree, Snapshot

log = logging.getLogger("ratebook.serve")

# Limits of what one request may bring (README "Service"); a larger request is refused (413)
# (the files' own limits are generator/core/limits.py's: an upload past them could never be
# read, so it is refused before it is received)
MAX_JSON_BYTES = 1 * MIB  # one case
MAX_POLICY_BYTES = max(POLICY_FILE_MAX_BYTES, POLICY_WORKBOOK_MAX_BYTES)  # one policy file
MAX_BATCH_BYTES = CASE_FILE_MAX_BYTES  # one case file: the service holds it whole
MAX_BATCH_ROWS = 10_000_000  # rows of one batch (its answer is made from them in memory)
TOKEN_ENV = "RATEBOOK_TOKEN"


@dataclass(frozen=True)
class Limits:
    json_bytes: int = MAX_JSON_BYTES
    policy_bytes: int = MAX_POLICY_BYTES
    batch_bytes: int = MAX_BATCH_BYTES
    batch_rows: int = MAX_BATCH_ROWS


PROBLEM = "application/problem+json"


# -- language and problems --------------------------------------------------------------------


@lru_cache(maxsize=256)
def accepted_language(header: str | None) -> str:
    """zh or en, whichever `Accept-Language` prefers (q-values honoured); English otherwise."""
    best, best_q = ENGLISH, -1.0
    for part in (header or "").split(","):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        language = CHINESE if tag.startswith("zh") else ENGLISH if tag.startswith("en") else None
        if language is not None and q > best_q and q > 0:
            best, best_q = language, q
    return best


class LanguageMiddleware:
    """Runs each request inside `in_language(...)` of its `Accept-Language`: the findings,
    explanations and pages of one request are in its language, whatever others ask for."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = None
        for name, value in scope.get("headers", ()):
            if name == b"accept-language":
                header = value.decode("latin-1")
                break
        with in_language(accepted_language(header)):
            await self.app(scope, receive, send)


# the statuses the service answers, each a catalogue key for its title in the reader's language
STATUS_TITLES = {
    400: "http.400",
    401: "http.401",
    404: "http.404",
    405: "http.405",
    409: "http.409",
    413: "http.413",
    422: "http.422",
    500: "http.500",
    503: "http.503",
}


def problem_response(status: int, findings: list[Finding], **extra: Any) -> JSONResponse:
    """An RFC 9457 problem: type, title, status, detail (the first finding's words) and every
    finding with its place, in the current language (the title too, so a Chinese reader is
    not handed `Unprocessable Entity`; the `type` stays the same in every language)."""
    phrase = HTTPStatus(status).phrase
    code = findings[0].code if findings else phrase.lower().replace(" ", "-")
    title = words(STATUS_TITLES[status]) if status in STATUS_TITLES else phrase
    body = {
        "type": f"urn:ratebook:problem:{code}",
        "title": title,
        "status": status,
        "detail": "\n".join(str(f) for f in findings) or title,
        "findings": [service.finding_data(f) for f in findings],
        **extra,
    }
    return JSONResponse(
        body,
        status_code=status,
        media_type=PROBLEM,
        headers={"Content-Language": current_language()},
    )


async def _ratebook_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RatebookError)
    status = exc.status if isinstance(exc, service.Refused) else 422
    return problem_response(status, exc.findings)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    key = {401: "serve-unauthorized", 404: "serve-not-found", 405: "serve-method"}.get(
        exc.status_code, "serve-http"
    )
    response = problem_response(
        exc.status_code, [summary(key, path=request.url.path, status=exc.status_code)]
    )
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected error answering %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(500, [summary("serve-internal")])


# -- reading requests -------------------------------------------------------------------------


async def body_bytes(request: Request, limit: int) -> bytes:
    """The request's body, refused (413) as soon as it is known to pass `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit():
        if int(declared) > limit:
            raise service.Refused(413, [summary("serve-too-large", limit=limit)])
        return await request.body()  # the server stops at the declared length
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise service.Refused(413, [summary("serve-too-large", limit=limit)])
        chunks.append(chunk)
    return b"".join(chunks)


async def json_body(request: Request, limit: int) -> Any:
    """The JSON body, numbers read as exact decimals (0.1 stays 0.1); 400 when it is none."""
    data = await body_bytes(request, limit)
    try:
        return json.loads(data, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise service.Refused(400, [summary("serve-json", reason=str(exc))]) from None
    except RecursionError:  # arrays or objects nested deeper than Python's parser goes
        raise service.Refused(400, [summary("serve-json-depth")]) from None


def date_param(value: Any, name: str = "on") -> dt.date | None:
    """A date given as the CLI reads `--on` (2012-07-01, 2012/7/1, 2012年7月1日); 400 when
    it is not one, None when not given."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return _date_text(value, name)
    raise service.Refused(400, [summary("serve-date", name=name, value=str(value), reason="-")])


@lru_cache(maxsize=1024)
def _date_text(value: str, name: str) -> dt.date:
    """A date's text read once (most requests of a day give the same few dates)."""
    from generator.core import values

    try:
        date = values.read_date(value)
    except values.Refusal as refusal:
        raise service.Refused(
            400, [summary("serve-date", name=name, value=str(value), reason=refusal.reason)]
        ) from None
    if date is None:
        raise service.Refused(400, [summary("serve-date", name=name, value=str(value), reason="-")])
    return date


def flag(value: Any, name: str) -> bool:
    """A true/false option (`explain=true`); 400 for anything else."""
    if value is None or value is False or value in ("", "false", "0"):
        return False
    if value is True or value in ("true", "1"):
        return True
    raise service.Refused(400, [summary("serve-flag", name=name, value=str(value))])


def snapshot(request: Request) -> Snapshot:
    """The current build, taken once per request; 503 while there is no usable build."""
    tree: ServedTree = request.app.state.tree
    try:
        return tree.current()
    except RatebookError as error:
        raise service.Refused(503, error.findings) from None


def require_token(request: Request) -> None:
    """Batch and upload endpoints, when the service has a token: `Authorization: Bearer T`."""
    token = request.app.state.token
    if not token:
        return
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip(), token):
        raise HTTPException(401, headers={"WWW-Authenticate": 'Bearer realm="ratebook"'})


def json_answer(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers={"Content-Language": current_language()})


# -- endpoints -------------------------------------------------------------------------------


async def list_policies(request: Request) -> Response:
    return json_answer(service.list_policies(snapshot(request), current_language()))


async def policy_document(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    on = date_param(request.query_params.get("on"))
    tree = snapshot(request)
    policy_id = request.path_params["policy_id"]
    return json_answer(await run_in_threadpool(service.policy_document, tree, policy_id, on))


async def evaluate(request: Request) -> Response:
    body = await json_body(request, request.app.state.limits.json_bytes)
    if not isinstance(body, dict):
        raise service.Refused(400, [summary("serve-evaluate-body")])
    unknown = sorted(set(body) - {"on", "inputs", "explain"})
    if unknown:
        raise service.Refused(400, [summary("serve-evaluate-keys", keys=", ".join(unknown))])
    inputs = body.get("inputs", {})
    if not isinstance(inputs, dict):
        raise service.Refused(400, [summary("serve-evaluate-body")])
    on = date_param(body.get("on", request.query_params.get("on"))) or dt.date.today()
    explain = flag(body.get("explain", request.query_params.get("explain")), "explain")
    tree = snapshot(request)
    policy_id = request.path_params["policy_id"]
    if explain:  # reads the policy model the first time: not on the event loop
        from starlette.concurrency import run_in_threadpool

        answer = await run_in_threadpool(
            service.evaluate_case, tree, policy_id, on, inputs, explain
        )
    else:
        answer = service.evaluate_case(tree, policy_id, on, inputs, explain)
    return json_answer(answer)


async def batch(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    require_token(request)
    limits: Limits = request.app.state.limits
    params = request.query_params
    in_format = params.get("format") or _format_of(request.headers.get("content-type", ""))
    out_format = params.get("out") or (in_format if in_format in service.BATCH_FORMATS else "csv")
    on = date_param(params.get("on"))
    tree = snapshot(request)
    data = await body_bytes(request, limits.batch_bytes)
    answer = await run_in_threadpool(
        service.run_batch,
        tree,
        request.path_params["policy_id"],
        data,
        in_format,
        out_format,
        on,
        limits.batch_rows,
    )
    return StreamingResponse(
        answer.chunks(),
        media_type=answer.media_type,
        headers={"X-Ratebook-Rows-In": str(answer.rows_in)},
    )


def _format_of(content_type: str) -> str:
    media = content_type.partition(";")[0].strip().lower()
    for name, known in service.BATCH_INPUT_FORMATS.items():
        if media == known.partition(";")[0]:
            return name
    return "csv" if media in ("", "application/octet-stream") else media


async def validate(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    require_token(request)
    name, data = await uploaded_file(request, request.app.state.limits.policy_bytes)
    return json_answer(await run_in_threadpool(service.validate_upload, name, data))


async def uploaded_file(request: Request, limit: int) -> tuple[str, bytes]:
    """(file name, bytes) of an upload: a multipart form's `file` field, or the raw body
    with `?filename=`; 400 when neither is there."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise service.Refused(413, [summary("serve-too-large", limit=limit)])
        try:
            async with request.form(max_files=1, max_fields=8, max_part_size=limit) as form:
                upload = form.get("file")
                if upload is None or isinstance(upload, str):
                    raise service.Refused(400, [summary("serve-upload-missing")])
                data = await upload.read()
                if len(data) > limit:
                    raise service.Refused(413, [summary("serve-too-large", limit=limit)])
                return upload.filename or "", data
        except HTTPException as exc:  # the multipart parser's own refusal (a malformed form)
            raise service.Refused(
                400, [summary("serve-upload-form", reason=str(exc.detail))]
            ) from None
    name = request.query_params.get("filename")
    if not name:
        raise service.Refused(400, [summary("serve-upload-missing")])
    return name, await body_bytes(request, limit)


async def diff(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    require_token(request)
    params = request.query_params
    base = params.get("base")
    if not base:
        raise service.Refused(400, [summary("serve-diff-base")])
    on = date_param(params.get("on"))
    policy = params.get("policy", "")
    if policy:  # checked against the served index (404 for any other id)
        service.case_schema(snapshot(request), policy)
    cases: tuple[tuple[str, bytes], ...] = ()
    if request.headers.get("content-type", "").startswith("multipart/form-data") or params.get(
        "filename"
    ):
        cases = (await uploaded_file(request, request.app.state.limits.batch_bytes),)
    root = request.app.state.tree.root
    return json_answer(await run_in_threadpool(service.diff, root, base, cases, on, policy))


def _openapi(request: Request) -> dict:
    """The OpenAPI document of the current build (made once per build)."""
    tree = snapshot(request)
    cache: dict = request.app.state.openapi
    document = cache.get(tree.key)
    if document is None:
        from generator.serve.openapi import openapi_document

        document = openapi_document(tree)
        cache.clear()
        cache[tree.key] = document
    return document


async def openapi(request: Request) -> Response:
    return JSONResponse(_openapi(request))


async def api_docs(request: Request) -> Response:
    """The API's documentation page (nothing loaded from elsewhere)."""
    from starlette.responses import HTMLResponse

    from generator.serve.api_docs import render_docs

    return HTMLResponse(render_docs(_openapi(request), current_language()))


# -- the application ---------------------------------------------------------------------------


def api_routes() -> list[Route]:
    return [
        Route("/api/policies", list_policies, methods=["GET"]),
        Route("/api/policies/{policy_id}", policy_document, methods=["GET"]),
        Route("/api/policies/{policy_id}/evaluate", evaluate, methods=["POST"]),
        Route("/api/policies/{policy_id}/batch", batch, methods=["POST"]),
        Route("/api/validate", validate, methods=["POST"]),
        Route("/api/diff", diff, methods=["POST"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/api/docs", api_docs, methods=["GET"]),
    ]


def create_app(
    project_root: Path,
    *,
    token: str | None = None,
    limits: Limits = Limits(),
    cors_origins: tuple[str, ...] = (),
    recheck_seconds: float = 0.5,
) -> Starlette:
    """The service for the project at `project_root` (its `generated/` read-only).

    `token`: required (as `Authorization: Bearer …`) by the batch and upload endpoints when
    given; `cors_origins`: the browser origins allowed to call the API (none by default)."""
    middleware = [Middleware(LanguageMiddleware)]
    if cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        middleware.insert(
            0,
            Middleware(
                CORSMiddleware,
                allow_origins=list(cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "Accept-Language"],
            ),
        )
    app = Starlette(
        routes=[*api_routes(), *desk_routes()],
        middleware=middleware,
        exception_handlers={
            RatebookError: _ratebook_error,
            HTTPException: _http_error,
            Exception: _unexpected,
        },
    )
    app.state.tree = ServedTree(project_root, recheck_seconds)
    app.state.token = token or None
    app.state.limits = limits
    app.state.openapi = {}
    return app
