"""`ratebook serve`: the decision service and the officer's desk over HTTP."""

from __future__ import annotations

import os

import click

from generator.cli.app import _root, main, usage_error


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="The port."
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (each loads generated/ itself).",
)
@click.option(
    "--token",
    metavar="T",
    default=None,
    help="Require `Authorization: Bearer T` for the batch and upload endpoints (default: RATEBOOK_TOKEN).",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help="A browser origin allowed to call the API (repeat for each; default: none).",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    workers: int,
    token: str | None,
    cors_origins: tuple[str, ...],
) -> None:
    """Serve the policies over HTTP: the API under /api (/openapi.json) and the officer's desk."""
    try:
        import uvicorn

        from generator.serve.app import TOKEN_ENV
    except ImportError as error:
        raise usage_error("usage.serve-missing", reason=str(error)) from None
    root = _root(ctx).resolve()
    # the workers are separate processes that build the application from the environment
    os.environ["RATEBOOK_SERVE_ROOT"] = str(root)
    if token:
        os.environ[TOKEN_ENV] = token
    os.environ["RATEBOOK_SERVE_CORS"] = "\n".join(cors_origins)
    uvicorn.run(
        "generator.serve.main:app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        server_header=False,
    )
