"""The FastAPI app of `nlpdive serve`: saved model directories behind an HTTP API, metrics and a playground page.

    app = create_app({"sentiment": nlpdive.load("runs/sentiment")}, ServeConfig(), api_key=None)

The models are the task objects `nlpdive.load(DIR)` returns, the same ones the CLI uses: a route calls
`task.verb(name)` for the verbs the task declares (`task.verbs`), never a method of its own. Model calls run in
worker threads (the event loop keeps answering); concurrent predict/embed requests to one model are micro-batched
(batching.py). Nothing is kept between requests: the server is stateless. `app_from_env()` builds the app in each
--workers process from the JSON spec `nlpdive serve` leaves in $NLPDIVE_SERVE_SPEC.
"""
import asyncio
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import asdict
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from nlpdive.errors import InputError
from nlpdive.serve.batching import MicroBatcher
from nlpdive.serve.config import SPEC_ENV, ServeConfig
from nlpdive.serve.guard import Guard
from nlpdive.serve.metrics import Metrics
from nlpdive.serve.responses import ApiError, error, error_message

log = logging.getLogger("nlpdive.serve")
EXTRA_ROUTES = ("evaluate",)  # served for every task besides its verbs (on posted rows)
TIMEOUT = getattr(asyncio, "timeout", None)  # Python 3.11+
MODEL_THREADS = 4  # worker threads for model calls (batched calls of one model never overlap)


class Server:
    """What the routes share: the loaded task objects, the limits, the worker threads, batchers and metrics."""

    def __init__(self, models, cfg):
        self.models, self.cfg = dict(models), cfg
        self.metrics = Metrics()
        self.executor = ThreadPoolExecutor(MODEL_THREADS, thread_name_prefix="nlpdive-model")
        self.batchers = {}

    def routes_of(self, name):
        """The verbs a loaded model answers (its task's verbs + evaluate); None when no model has that name."""
        task = self.models.get(name)
        return None if task is None else (*task.verbs, *EXTRA_ROUTES)

    def info(self):
        return [{"name": name, "task": task.task, "verbs": list(self.routes_of(name))}
                for name, task in self.models.items()]

    def task(self, name, verb):
        """The task object serving `verb` under `name`; 404 naming what exists otherwise."""
        task = self.models.get(name)
        if task is None:
            loaded = ", ".join(self.models) or "none"
            raise ApiError(404, f"no model named {name!r} (loaded: {loaded}; GET /v1/models lists them)")
        if verb not in self.routes_of(name):
            served = ", ".join(self.routes_of(name))
            raise ApiError(404, f"model {name!r} ({task.task}) serves {served}, not {verb!r}")
        return task

    def run(self, fn, *args, **kwargs):
        """Awaitable: fn(*args, **kwargs) in a worker thread."""
        return asyncio.get_running_loop().run_in_executor(self.executor, partial(fn, *args, **kwargs))

    async def call(self, name, verb, *args, **kwargs):
        """task.verb(verb)(*args, **kwargs) in a worker thread, within the request timeout."""
        fn = self.task(name, verb).verb(verb)
        return await self.within_timeout(self.run(fn, *args, **kwargs))

    async def batched(self, name, verb, texts, options):
        """The verb's results for `texts`, computed in one model call with concurrent requests' texts."""
        batcher = self.batchers.get((name, verb))
        if batcher is None:
            fn = self.task(name, verb).verb(verb)
            batcher = self.batchers[name, verb] = MicroBatcher(
                fn, self.run, self.cfg.batch_window_ms / 1000, self.cfg.max_batch,
                on_batch=partial(self.metrics.batch_size, name, verb))
        return await self.within_timeout(batcher.submit(texts, options))

    async def within_timeout(self, awaitable):
        try:
            if TIMEOUT is None:  # Python 3.10
                return await asyncio.wait_for(awaitable, self.cfg.timeout)
            async with TIMEOUT(self.cfg.timeout):  # no extra task per request, unlike wait_for
                return await awaitable
        except asyncio.TimeoutError:
            raise ApiError(504, f"the model took longer than {self.cfg.timeout:g} s (the server's --timeout)") \
                from None

    def close(self):
        for batcher in self.batchers.values():
            batcher.close()
        self.executor.shutdown(wait=True)  # graceful: model calls in progress finish


def create_app(models, cfg=None, api_key=None):
    """The FastAPI app serving `models` ({name: task object}) under ServeConfig `cfg`. With `api_key`, every
    route but /healthz and the playground page needs `Authorization: Bearer KEY`."""
    from nlpdive import __version__
    from nlpdive.serve import playground, routes
    from nlpdive.serve.responses import JSON

    cfg = cfg or ServeConfig()
    server = Server(models, cfg)

    @asynccontextmanager
    async def lifespan(app):
        yield
        server.close()

    app = FastAPI(title="nlpdive", version=__version__, lifespan=lifespan, default_response_class=JSON,
                  description="Saved nlpdive models over HTTP. Each model answers `POST /v1/models/{name}/{verb}` "
                              "for the verbs its task serves (GET /v1/models lists them) and `evaluate` on posted "
                              "rows. Errors are `{\"error\": message}`.")
    app.state.server = server
    routes.add_routes(app, server)
    playground.add_routes(app)
    _add_error_handlers(app)
    app.add_middleware(Guard, cfg=cfg, api_key=api_key, metrics=server.metrics, verbs_of=server.routes_of)
    if cfg.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=cfg.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["authorization", "content-type"])
    return app


def _add_error_handlers(app):
    """Every error as {"error": one line}: bad input 400/422, unknown model or route 404, never a 500 for input."""

    @app.exception_handler(InputError)
    async def input_error(request, e):
        return error(400, str(e))

    @app.exception_handler(ApiError)
    async def api_error(request, e):
        return error(e.status, e.message, e.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request, e):
        details = [{"loc": list(d.get("loc", ())), "msg": d.get("msg", ""), "type": d.get("type", "")}
                   for d in e.errors()]
        return error(422, "; ".join(_message(d) for d in details[:5]), detail=details)

    @app.exception_handler(HTTPException)
    async def http_error(request, e):
        return error(e.status_code, str(e.detail), getattr(e, "headers", None))

    @app.exception_handler(Exception)
    async def internal(request, e):
        log.exception("internal error answering %s %s", request.method, request.url.path)
        return error(500, error_message(e))


def _message(detail):
    """One validation error as a line: the field's path and what is wrong with it."""
    parts = [str(p) for p in detail["loc"] if p != "body"]
    if detail["type"] == "json_invalid":
        return f"the body is not valid JSON ({detail['msg'].removeprefix('Invalid JSON: ')})"
    if detail["type"] in ("model_type", "model_attributes_type") and not parts:
        return "the body must be a JSON object (see /docs)"
    return (".".join(parts) + ": " if parts else "") + detail["msg"]


# -- building the app from the command line's models, in this process or in each --workers process
def load_models(specs):
    """{name: task object} of [(name, directory)] (nlpdive.load: safetensors + JSON only, no code is run)."""
    import nlpdive

    return {name: nlpdive.load(path) for name, path in specs}


def configure_process(threads):
    """Torch's threads (--threads), and the garbage collector told to leave the loaded models alone: a full
    collection would otherwise walk torch's and FastAPI's objects in the middle of a request (a ~100 ms pause)."""
    import gc

    import torch

    torch.set_num_threads(threads)
    gc.collect()
    gc.freeze()


def spec_json(specs, cfg):
    """What a --workers process needs to build the app (the API key stays in $NLPDIVE_API_KEY, not here)."""
    return json.dumps({"models": [[name, str(Path(path))] for name, path in specs],
                       "config": {**asdict(cfg), "api_key": None}})


def app_from_env():
    """The app of one --workers process, from $NLPDIVE_SERVE_SPEC (uvicorn's factory)."""
    spec = json.loads(os.environ[SPEC_ENV])
    cfg = ServeConfig(**spec["config"])
    models = load_models(spec["models"])
    configure_process(cfg.threads)
    return create_app(models, cfg, api_key=cfg.key())
