"""The application uvicorn runs for `ratebook serve`, built in each worker process from the
environment that the command set (the project folder, the token, the CORS origins)."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette

from generator.serve.app import TOKEN_ENV, create_app


def app() -> Starlette:
    """The service for `RATEBOOK_SERVE_ROOT` (default: the current folder)."""
    origins = tuple(o for o in os.environ.get("RATEBOOK_SERVE_CORS", "").split("\n") if o)
    return create_app(
        Path(os.environ.get("RATEBOOK_SERVE_ROOT", ".")),
        token=os.environ.get(TOKEN_ENV) or None,
        cors_origins=origins,
    )
