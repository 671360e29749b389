"""`nlpdive serve DIR... [--host] [--port] [--api-key] [--workers N]`: saved models over HTTP (FastAPI + uvicorn).
Parsing only: the flags come from serve.config.ServeConfig; the app is nlpdive.serve.app."""
import os
import re

from nlpdive.errors import InputError

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
SERVE_EXTRA = "pip install 'nlpdive[serve]'"


def register(cli):
    from nlpdive.options import add_options
    from nlpdive.serve.config import ServeConfig

    p = cli.add(cli.sub, "serve", help="serve saved models over HTTP (API, metrics, a playground page)",
                description="Serve saved model directories over HTTP: POST /v1/models/NAME/VERB for each model's "
                            "verbs, GET /v1/models, /healthz, /metrics, OpenAPI docs at /docs and a playground "
                            "page at /. A model's NAME is its directory's name, or give NAME=DIR.")
    p.add_argument("models", nargs="+", metavar="DIR", help="saved model directories (or NAME=DIR)")
    add_options(p, ServeConfig)
    p.set_defaults(func=serve)


def model_specs(args):
    """[(name, directory)] from DIR or NAME=DIR arguments; names are URL-safe and unique."""
    specs = []
    for arg in args:
        name, sep, path = arg.partition("=")
        if not sep or os.path.isdir(arg) or not NAME.fullmatch(name):
            name, path = os.path.basename(os.path.normpath(arg)), arg
        if not NAME.fullmatch(name):
            raise InputError(f"{arg}: {name!r} cannot name a model in a URL", hint="name it: NAME=DIR with letters, "
                             "digits, '_', '-' or '.'")
        if name in dict(specs):
            raise InputError(f"{arg}: a second model named {name!r}", hint="name them apart: NAME=DIR")
        specs.append((name, path))
    return specs


def serve(args, out):
    from nlpdive.options import given_options
    from nlpdive.serve.config import ServeConfig

    cfg = ServeConfig(**given_options(ServeConfig, args))
    specs = model_specs(args.models)
    _require_serve_extra()
    from nlpdive.serve.app import configure_process, load_models

    models = load_models(specs)  # every directory is checked before the server starts
    configure_process(cfg.threads)
    sock = listen(cfg) if cfg.workers == 1 else None  # bound now: a busy port is an error before anything runs
    _announce(out, models, cfg, sock.getsockname()[1] if sock else cfg.port, cfg.key())
    if cfg.workers == 1:
        return run_one(models, cfg, sock)
    del models  # each worker process loads its own copy
    return run_workers(specs, cfg)


def run_one(models, cfg, sock):
    """One process: uvicorn on the socket already bound, until Ctrl-C or SIGTERM (in-flight requests finish)."""
    import uvicorn

    from nlpdive.serve.app import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(models, cfg, cfg.key()), **uvicorn_options(cfg)))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C once in-flight requests have finished: a clean stop
        pass
    return 0


def _require_serve_extra():
    from importlib.util import find_spec

    missing = [m for m in ("fastapi", "uvicorn", "prometheus_client", "orjson") if find_spec(m) is None]
    if missing:
        raise InputError(f"serving needs {', '.join(missing)}, not installed", hint=SERVE_EXTRA)


def listen(cfg):
    """A socket listening on --host/--port (port 0: a free one, printed)."""
    import socket

    family = socket.AF_INET6 if ":" in cfg.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((cfg.host, cfg.port))
    except OSError as e:
        sock.close()
        raise InputError(f"--host {cfg.host} --port {cfg.port}: cannot listen there ({e.strerror})",
                         hint="pick another --port, or stop what uses it") from None
    sock.listen(2048)
    return sock


def _announce(out, models, cfg, port, api_key):
    url = f"http://{'[' + cfg.host + ']' if ':' in cfg.host else cfg.host}:{port}"
    listing = ", ".join(f"{name} ({task.task}: {', '.join(task.verbs)})" for name, task in models.items())
    out.emit({"url": url, "models": [{"name": n, "task": t.task, "verbs": list(t.verbs)} for n, t in models.items()],
              "workers": cfg.workers, "api_key": bool(api_key)},
             f"serving {listing}\nat {url}  (playground {url}/, API docs {url}/docs; Ctrl-C stops)")


def uvicorn_options(cfg):
    """uvicorn's settings: httptools and uvloop when installed, no access log, in-flight requests finish on
    Ctrl-C / SIGTERM (within --timeout)."""
    from importlib.util import find_spec

    return dict(host=cfg.host, port=cfg.port, log_level="warning", access_log=False, proxy_headers=False,
                http="httptools" if find_spec("httptools") else "h11",
                loop="uvloop" if find_spec("uvloop") else "asyncio",
                timeout_graceful_shutdown=max(1, int(cfg.timeout)), timeout_keep_alive=30)


def run_workers(specs, cfg):
    """--workers N: uvicorn starts N processes, each building the app from the spec in $NLPDIVE_SERVE_SPEC;
    metrics add up across them through a shared PROMETHEUS_MULTIPROC_DIR."""
    import tempfile

    import uvicorn

    from nlpdive.serve.app import spec_json
    from nlpdive.serve.config import API_KEY_ENV, SPEC_ENV

    with tempfile.TemporaryDirectory(prefix="nlpdive-metrics-") as metrics_dir:
        os.environ[SPEC_ENV] = spec_json(specs, cfg)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        if cfg.key():
            os.environ[API_KEY_ENV] = cfg.key()  # the workers read it there: never in the spec
        uvicorn.run("nlpdive.serve.app:app_from_env", factory=True, workers=cfg.workers, **uvicorn_options(cfg))
    return 0
