"""The reference agent desktop (``/``) and supervisor wallboard (``/wallboard``).

Plain HTML, CSS and ES modules under ``static/``, served as they are (no build
step) by the API's own aiohttp application. The pages speak only the public
API: REST under ``/api/v1`` and the WebSocket ``/api/v1/ws`` (docs/api.md);
this module only hands out files.

    from cti.web import mount
    mount(app)      # cti/api/http.py: build_app
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).resolve().parent / "static"

#: Page paths and their files.
PAGES = {"/": "desktop.html", "/wallboard": "wallboard.html"}

#: The pages load nothing from elsewhere and run no inline script or style.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")

_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css",
          ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}
_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache"}


def mount(app: web.Application) -> None:
    """Add the pages and ``/static/...`` to ``app``."""
    for path, name in PAGES.items():
        app.router.add_get(path, _page(name))
    app.router.add_get("/static/{name:.+}", _static)


def _page(name: str) -> web.Handler:
    async def page(request: web.Request) -> web.StreamResponse:
        return _file(STATIC / name, {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY"})

    return page


async def _static(request: web.Request) -> web.StreamResponse:
    path = (STATIC / request.match_info["name"]).resolve()
    if not path.is_relative_to(STATIC) or not path.is_file() or path.suffix not in _TYPES:
        raise web.HTTPNotFound(reason="no such file")
    return _file(path, {})


def _file(path: Path, extra: dict[str, str]) -> web.FileResponse:
    response = web.FileResponse(path, headers={**_HEADERS, **extra})
    response.content_type = _TYPES[path.suffix]
    response.charset = "utf-8" if path.suffix in (".html", ".js", ".css", ".svg") else None
    return response
