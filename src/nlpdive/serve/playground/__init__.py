"""The playground at `/`: plain HTML, JavaScript and CSS shipped in this package (no build step, no CDN, works
offline). The page lists the models (GET /v1/models) and draws one panel per model for the verbs it serves."""
from importlib import resources

from starlette.responses import Response

FILES = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
         "style.css": "text/css; charset=utf-8"}


def _read(name):
    return resources.files(__name__).joinpath(name).read_bytes()


def add_routes(app):
    cache = {name: _read(name) for name in FILES}  # read once: a few KB

    def page(name):
        return Response(cache[name], media_type=FILES[name], headers={"Cache-Control": "no-cache"})

    app.get("/", include_in_schema=False)(lambda: page("index.html"))

    @app.get("/playground/{file}", include_in_schema=False)
    def asset(file: str):
        if file not in FILES:
            from nlpdive.serve.responses import ApiError

            raise ApiError(404, f"no playground file {file!r}")
        return page(file)

    app.get("/favicon.ico", include_in_schema=False)(lambda: Response(status_code=204))
