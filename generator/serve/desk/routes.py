"""Pages of the officer's desk (the desk branch fills this).

`desk_routes()` is mounted by `generator.serve.app.create_app` after the API's routes; the
desk's pages call the operations of `generator.serve.service` and take the request's build
with `generator.serve.app.snapshot(request)`. Its static assets are served under /static.
"""

from __future__ import annotations

from starlette.routing import BaseRoute


def desk_routes() -> list[BaseRoute]:
    """The desk's routes (pages and /static)."""
    return []
