"""JSON answers and errors: orjson bodies (numpy values included), and every error as {"error": one line} with
its status, so a client reads the same shape whatever went wrong."""
import orjson
from starlette.responses import Response

from nlpdive.errors import InputError

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


class ApiError(Exception):
    """An HTTP error with a message for the client (404 unknown model, 503 busy, 504 timed out...)."""

    def __init__(self, status, message, headers=None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers


def _default(o):
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "__fspath__"):
        return str(o)
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def dumps(obj):
    return orjson.dumps(obj, default=_default, option=_OPTIONS)


class JSON(Response):
    """A JSON response serialised by orjson (much faster than the standard json module)."""

    media_type = "application/json"

    def render(self, content):
        return dumps(content)


def error(status, message, headers=None, **extra):
    return JSON({"error": message, **extra}, status_code=status, headers=headers)


def error_message(e):
    """The one line a client sees for an exception raised while answering."""
    if isinstance(e, (InputError, ApiError)):
        return str(e)
    return f"internal error: {type(e).__name__} (see the server's log)"
