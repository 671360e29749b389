"""The HTTP routes: GET /healthz, /metrics, /v1/models and POST /v1/models/{name}/{verb} for each verb of the task
contract (tasks/base.py) plus evaluate. Each verb route validates its body (schemas.py), then calls the model's
`task.verb(verb)` through the Server (app.py): batched, threaded, within the timeout; generate and translate stream
as server-sent events when asked."""
from fastapi import Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.responses import Response

from nlpdive.serve.evaluate import evaluate_rows, row_help
from nlpdive.serve.responses import JSON, ApiError
from nlpdive.serve.schemas import ModelList, request_models
from nlpdive.serve.streaming import stream

NAME = Path(description="the model's name (GET /v1/models)", max_length=200)


def add_routes(app, server):
    bodies = request_models(server.cfg)
    app.get("/healthz", summary="liveness: 200 while the server runs (no API key needed)")(
        lambda: JSON({"status": "ok", "models": len(server.models)}))

    @app.get("/metrics", summary="Prometheus metrics: requests, latencies, batch sizes",
             response_class=Response)
    def metrics():
        body, content_type = server.metrics.exposition()
        return Response(body, media_type=content_type)

    @app.get("/v1/models", response_model=ModelList, summary="the loaded models, their tasks and verbs")
    def models():
        return {"models": server.info()}

    for verb, handler in _verb_handlers(server).items():
        app.post(f"/v1/models/{{name}}/{verb}", summary=handler.__doc__.splitlines()[0], description=handler.__doc__,
                 openapi_extra=_documented(bodies[verb]))(_endpoint(handler, bodies[verb]))

    @app.post("/v1/models/{name}/{verb}", include_in_schema=False)
    async def unknown_verb(name: str, verb: str):
        server.task(name, verb)  # 404 naming the model's verbs (or the loaded models)


def _endpoint(handler, body_model):
    """The route of one verb: the body parsed and validated by pydantic straight from the bytes (FastAPI's own body
    handling costs more per request than the bag-of-words model does), then `handler(name, body)`."""

    async def endpoint(request: Request, name: str = NAME):
        return await handler(name, await parse_body(request, body_model))

    return endpoint


async def parse_body(request, body_model):
    """The body as a `body_model`; a 415 for a body that is not JSON, a 422 naming each invalid field."""
    content_type = request.headers.get("content-type", "application/json")
    if "json" not in content_type:
        raise ApiError(415, f"the body must be JSON (Content-Type: application/json), not {content_type}")
    raw = await request.body()
    if not raw.strip():
        raise ApiError(422, "the body is empty: send a JSON object (see /docs)")
    try:
        return body_model.model_validate_json(raw)
    except ValidationError as e:
        raise RequestValidationError(e.errors(include_url=False, include_input=False)) from None


def _documented(body_model):
    """OpenAPI's description of the body the route parses itself."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": body_model.model_json_schema(ref_template="#/components/schemas/{model}")}}}}


def _verb_handlers(server):
    """{verb: async handler(name, body)}; each handler's docstring is its OpenAPI description. They answer
    Responses (orjson), not dicts: FastAPI would run every answer through its slow jsonable_encoder."""

    async def predict(name, body):
        """Classify texts: `{"predictions": [{"label" (multi-label: "labels"), "probabilities": {label: p}}]}`.

        Concurrent requests to one model are micro-batched."""
        options = body.model_dump(exclude_none=True, exclude={"texts"})
        return JSON({"predictions": await server.batched(name, "predict", body.texts, options)})

    async def embed(name, body):
        """Vectors of texts: `{"embeddings": [[float, ...], ...]}` (micro-batched)."""
        return JSON({"embeddings": await server.batched(name, "embed", body.texts, {})})

    async def generate(name, body):
        """Continue a prompt: `{"samples": [{"text", "tokens", "finish_reason"}]}`.

        With `"stream": true`, server-sent events: `data: {"sample": i, "text": piece}` as the text comes, then
        `event: done` with `{"samples": [...]}`."""
        options = body.model_dump(exclude_none=True, exclude={"prompt", "stream"})
        if "stop" in options:
            options["stop"] = tuple(options["stop"])
        fn = server.task(name, "generate").verb("generate")
        if body.stream:
            def work(emit):
                return {"samples": fn(body.prompt, on_text=lambda i, piece: emit({"sample": i, "text": piece}),
                                      **options)}
            return await stream(work, server.run, server.cfg.timeout)
        return JSON({"samples": await server.call(name, "generate", body.prompt, **options)})

    async def translate(name, body):
        """Translate texts: `{"translations": [{"translation", "score", "log_prob", "tokens"} (+ "attention":
        {"weights" [target][source], "source_tokens", "target_tokens"} when asked)]}`.

        With `"stream": true`, server-sent events: `data: {"index": i, ...one translation}` per text in order,
        then `event: done` with `{"translations": [...]}`."""
        options = body.model_dump(exclude_none=True, exclude={"texts", "stream"})
        fn = server.task(name, "translate").verb("translate")
        if body.stream:
            def work(emit):
                results = []
                for i, text in enumerate(body.texts):
                    results.append(fn([text], **options)[0])
                    emit({"index": i, **results[-1]})
                return {"translations": results}
            return await stream(work, server.run, server.cfg.timeout)
        return JSON({"translations": await server.call(name, "translate", body.texts, **options)})

    async def similar(name, body):
        """A word's nearest words by cosine: `{"similar": [{"word", "cosine"}]}`."""
        found = await server.call(name, "similar", body.word, topn=body.topn)
        return JSON({"similar": [{"word": w, "cosine": c} for w, c in found]})

    async def analogy(name, body):
        """a is to b as c is to ?: `{"analogy": [{"word", "cosine"}]}` (b - a + c, 3CosAdd)."""
        found = await server.call(name, "analogy", body.a, body.b, body.c, topn=body.topn)
        return JSON({"analogy": [{"word": w, "cosine": c} for w, c in found]})

    async def evaluate(name, body):
        """Metrics on posted rows, by the task's own evaluate: `{"metrics": {...}}`."""
        task = server.task(name, "evaluate")
        options = body.model_dump(exclude_none=True, exclude={"rows"})
        return JSON({"metrics": await server.within_timeout(server.run(evaluate_rows, task, body.rows, options))})

    evaluate.__doc__ += f"\n\nThe keys of a row, by task: {row_help()}."
    return {"predict": predict, "embed": embed, "generate": generate, "translate": translate, "similar": similar,
            "analogy": analogy, "evaluate": evaluate}
