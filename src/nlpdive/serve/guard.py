"""The ASGI middleware in front of every route: the API key, the body-size limit, the limit on requests in flight
and the request metrics. A plain ASGI class (no per-request objects beyond a closure), since it runs on every
request of a server meant to answer thousands a second.

    401  a route other than /healthz and the playground page without `Authorization: Bearer KEY`
    413  a body over --max-body-bytes (by Content-Length, or counted as a chunked body arrives)
    503  more than --max-concurrency model requests in flight (Retry-After: 1), instead of an endless queue
"""
import hmac
import time

from starlette.exceptions import HTTPException

from nlpdive.serve.metrics import OTHER
from nlpdive.serve.responses import dumps

OPEN_PATHS = ("/healthz", "/", "/favicon.ico")  # + /playground/*: the page holds no data; it asks for the key
NAMED_PATHS = {"/healthz", "/metrics", "/v1/models", "/docs", "/openapi.json", "/"}
MODEL_PREFIX = "/v1/models/"


class BodyTooLarge(HTTPException):
    """Raised by `receive` past the limit: an HTTPException, so that the route's body parsing passes it on."""

    def __init__(self, limit):
        super().__init__(413, f"the request body is over {limit:,} bytes (the server's --max-body-bytes)")


class Guard:
    def __init__(self, app, cfg, api_key, metrics, verbs_of):
        """`verbs_of(name)`: the routes a loaded model answers (None for a name no model has)."""
        self.app, self.cfg, self.metrics, self.verbs_of = app, cfg, metrics, verbs_of
        self.key = f"Bearer {api_key}".encode() if api_key else None
        self.in_flight = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, path = time.perf_counter(), scope["path"]
        model, verb = self._labels(path)
        status = [500]

        async def tracked_send(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        is_model_call = model != OTHER and scope["method"] == "POST"
        try:
            refusal = self._refusal(scope, path, is_model_call)
            if refusal is not None:
                status_code, message, reason, headers = refusal
                self.metrics.reject(reason)
                return await _answer(tracked_send, status_code, message, headers)
            if is_model_call:
                self.in_flight += 1
                self.metrics.in_flight.inc()
            try:
                await self.app(scope, self._limited(receive), tracked_send)
            finally:
                if is_model_call:
                    self.in_flight -= 1
                    self.metrics.in_flight.dec()
        finally:
            self.metrics.observe(model, verb, status[0], time.perf_counter() - start)

    def _labels(self, path):
        """(model, verb) metric labels; OTHER for names no loaded model has (no label per made-up path)."""
        if path.startswith(MODEL_PREFIX):
            name, _, verb = path[len(MODEL_PREFIX):].partition("/")
            verbs = self.verbs_of(name)
            if verbs is not None and verb in verbs:
                return name, verb
            return OTHER, OTHER
        return OTHER, path if path in NAMED_PATHS else OTHER

    def _refusal(self, scope, path, is_model_call):
        """(status, message, reason, headers) when the request is refused before any route sees it."""
        if self.key is not None and not (path in OPEN_PATHS or path.startswith("/playground/")) \
                and scope["method"] != "OPTIONS" and not self._authorised(scope):
            return (401, "missing or wrong API key (send the header `Authorization: Bearer KEY`)", "auth",
                    [(b"www-authenticate", b"Bearer")])
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.cfg.max_body_bytes):
            return 413, BodyTooLarge(self.cfg.max_body_bytes).detail, "too large", ()
        if is_model_call and self.in_flight >= self.cfg.max_concurrency:
            return 503, f"busy: {self.in_flight} requests in flight; retry shortly", "busy", [(b"retry-after", b"1")]
        return None

    def _authorised(self, scope):
        given = _header(scope, b"authorization")
        return given is not None and hmac.compare_digest(given.encode("latin-1"), self.key)

    def _limited(self, receive):
        """`receive` that raises BodyTooLarge once the body passes the limit (chunked bodies have no length)."""
        seen, limit = [0], self.cfg.max_body_bytes

        async def limited():
            message = await receive()
            if message["type"] == "http.request":
                seen[0] += len(message.get("body", b""))
                if seen[0] > limit:
                    raise BodyTooLarge(limit)
            return message

        return limited


def _header(scope, name):
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


async def _answer(send, status, message, headers=()):
    body = dumps({"error": message})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})
