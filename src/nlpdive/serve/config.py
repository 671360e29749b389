"""ServeConfig: every option of `nlpdive serve` once (default, help, range); the flags are generated from it
(nlpdive.options) and the app reads its limits from it. No FastAPI here: building the CLI's help imports this."""
import os
from dataclasses import dataclass

from nlpdive.errors import InputError
from nlpdive.options import check_options, option

API_KEY_ENV = "NLPDIVE_API_KEY"  # the key, when --api-key is not given
SPEC_ENV = "NLPDIVE_SERVE_SPEC"  # the JSON spec each --workers process builds its app from


@dataclass
class ServeConfig:
    host: str = option("127.0.0.1", "address to listen on (0.0.0.0: every interface; only behind a firewall and "
                       "with --api-key)", metavar="HOST")
    port: int = option(8000, "TCP port (0: any free one)", min=0, max=65_535, metavar="PORT")
    api_key: str | None = option(None, f"require `Authorization: Bearer KEY` on every route but /healthz and the "
                                 f"playground page (also read from ${API_KEY_ENV})", metavar="KEY",
                                 default_help="none: no key")
    workers: int = option(1, "server processes (each loads every model)", min=1, max=64, metavar="N")
    cors: str | None = option(None, "allow browsers on these origins (comma-separated, or *) to call the API",
                              metavar="ORIGIN", default_help="off")
    threads: int = option(1, "torch threads per process (small models serve fastest with 1)", min=1, max=256,
                          metavar="N")
    batch_window_ms: float = option(2.0, "how long a batch waits for concurrent requests to the same model",
                                    min=0, max=1000, metavar="MS")
    max_batch: int = option(64, "most texts in one batched model call", min=1, max=4096, metavar="N")
    max_concurrency: int = option(256, "requests in flight at once; more are answered 503 with Retry-After",
                                  min=1, max=100_000, metavar="N")
    timeout: float = option(60.0, "seconds a request may take (504 after that; a stream is cut)", min=0,
                            exclusive=True, metavar="S")
    max_body_bytes: int = option(1_000_000, "largest request body (413 above it)", min=1, metavar="B")
    max_texts: int = option(256, "most texts per request", min=1, metavar="N")
    max_rows: int = option(10_000, "most rows an evaluate request may post", min=1, metavar="N")
    max_text_chars: int = option(10_000, "longest text, prompt or word", min=1, metavar="N")
    max_tokens: int = option(1024, "most new tokens a generate or translate request may ask for", min=1,
                             metavar="N")
    max_samples: int = option(8, "most samples (generate) or beams (translate) per request", min=1, metavar="N")

    def __post_init__(self):
        check_options(self)
        if self.workers > 1 and self.port == 0:
            raise InputError("--port 0 cannot be shared by several --workers", hint="give a port number")

    def key(self):
        """The API key: --api-key, else $NLPDIVE_API_KEY, else None (no key)."""
        return self.api_key or os.environ.get(API_KEY_ENV) or None

    @property
    def cors_origins(self):
        return [o.strip() for o in (self.cors or "").split(",") if o.strip()]
