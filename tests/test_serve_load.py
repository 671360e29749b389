"""The server under load, with stand-in task objects (no model): micro-batching of concurrent requests, the
concurrency limit (503 + Retry-After), request timeouts (504), dispatch on the task's declared verbs only, and the
`nlpdive serve` command line (names, flags, errors before the server starts)."""
import asyncio
import threading

import numpy as np
import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from nlpdive.errors import InputError  # noqa: E402
from nlpdive.serve.app import create_app  # noqa: E402
from nlpdive.serve.batching import MicroBatcher  # noqa: E402
from nlpdive.serve.config import ServeConfig  # noqa: E402
from nlpdive.tasks.base import Task  # noqa: E402


class Echo(Task):
    """A task object that records its calls; predict blocks while `gate` is clear."""

    task = "classify"
    verbs = ("predict", "embed")

    def __init__(self):
        self.calls, self.gate = [], threading.Event()
        self.gate.set()

    def predict(self, texts, batch_size=256, threshold=None):
        self.calls.append(list(texts))
        self.gate.wait(60)
        if "bad" in texts:
            raise InputError("a bad text")
        return [{"label": t, "probabilities": {t: 1.0}} for t in texts]

    def embed(self, texts):
        return np.arange(len(texts) * 2, dtype=np.float32).reshape(len(texts), 2) + len(texts[0])

    def generate(self, prompt):  # not declared in verbs: never served
        raise AssertionError("called a verb the task does not declare")


async def _run_now(fn, *args, **kwargs):
    return fn(*args, **kwargs)


def batch(requests, max_batch=64, window=0.0, options=None):
    """(calls, results): `requests` (lists of texts) submitted to one MicroBatcher at once."""
    calls = []

    def fn(texts, **kw):
        calls.append((list(texts), kw))
        if "bad" in texts:
            raise InputError("a bad text")
        return [t.upper() for t in texts]

    async def main():
        b = MicroBatcher(fn, _run_now, window=window, max_batch=max_batch)
        jobs = [b.submit(r, (options or [{}] * len(requests))[i]) for i, r in enumerate(requests)]
        out = await asyncio.gather(*jobs, return_exceptions=True)
        b.close()
        return out

    return calls, asyncio.run(main())


def test_concurrent_requests_share_one_model_call_and_get_their_own_results():
    calls, results = batch([["a"], ["b", "c"], ["d"]])
    assert calls == [(["a", "b", "c", "d"], {})]
    assert results == [["A"], ["B", "C"], ["D"]]


def test_a_batch_holds_at_most_max_batch_texts_in_arrival_order():
    calls, results = batch([["a", "b"], ["c", "d"], ["e", "f"], ["g"]], max_batch=4)
    assert [c[0] for c in calls] == [["a", "b", "c", "d"], ["e", "f", "g"]]
    assert results[2] == ["E", "F"]


def test_requests_with_different_options_never_share_a_call():
    calls, _ = batch([["a"], ["b"], ["c"]], options=[{}, {"threshold": 0.3}, {}])
    assert calls == [(["a", "c"], {}), (["b"], {"threshold": 0.3})]


def test_one_bad_request_gets_its_error_and_the_others_their_results():
    calls, results = batch([["a"], ["bad"], ["c"]])
    assert results[0] == ["A"] and results[2] == ["C"]
    assert isinstance(results[1], InputError)
    assert calls[0][0] == ["a", "bad", "c"] and len(calls) == 4  # the shared call, then each alone


def test_http_requests_are_batched_and_dispatched_on_declared_verbs_only():
    echo = Echo()
    with TestClient(create_app({"echo": echo})) as c:
        assert c.post("/v1/models/echo/predict", json={"texts": ["x", "y"]}).json()["predictions"][1]["label"] == "y"
        embedded = c.post("/v1/models/echo/embed", json={"texts": ["ab", "cd"]}).json()
        assert embedded == {"embeddings": [[2.0, 3.0], [4.0, 5.0]]}
        answer = c.post("/v1/models/echo/generate", json={"prompt": "x"})
        assert answer.status_code == 404 and "serves predict, embed, evaluate" in answer.json()["error"]


async def _concurrent(app, requests):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await asyncio.gather(*(client.post(path, json=body) for path, body in requests))


def test_over_the_concurrency_limit_requests_get_503_with_retry_after():
    echo = Echo()
    echo.gate.clear()
    app = create_app({"echo": echo}, ServeConfig(max_concurrency=1, batch_window_ms=0))

    async def main():
        first = asyncio.ensure_future(_concurrent(app, [("/v1/models/echo/predict", {"texts": ["a"]})]))
        while not echo.calls:  # the first request is now inside the model
            await asyncio.sleep(0.001)
        second = await _concurrent(app, [("/v1/models/echo/predict", {"texts": ["b"]})])
        echo.gate.set()
        return (await first)[0], second[0]

    first, second = asyncio.run(main())
    assert first.status_code == 200
    assert second.status_code == 503 and second.headers["retry-after"] == "1"
    assert "busy" in second.json()["error"]


def test_a_request_past_the_timeout_gets_504_and_the_server_goes_on():
    echo = Echo()
    echo.gate.clear()
    with TestClient(create_app({"echo": echo}, ServeConfig(timeout=0.05, batch_window_ms=0))) as c:
        answer = c.post("/v1/models/echo/predict", json={"texts": ["slow"]})
        echo.gate.set()
        assert answer.status_code == 504 and "--timeout" in answer.json()["error"]
        assert c.post("/v1/models/echo/predict", json={"texts": ["fast"]}).status_code == 200


def _refused(address, tries=3000):
    """True once new connections to `address` are refused (the server closed its socket)."""
    import socket

    for _ in range(tries):
        try:
            socket.create_connection(address, timeout=5).close()
        except ConnectionRefusedError:
            return True
        except OSError:  # a slow machine: try again
            pass
        threading.Event().wait(0.005)
    return False


def test_shutdown_lets_in_flight_requests_finish():
    from serve_models import LiveServer

    echo = Echo()
    echo.gate.clear()
    answers = []
    live = LiveServer(create_app({"echo": echo}, ServeConfig(batch_window_ms=0)), timeout_graceful_shutdown=60)
    with live as url:
        def call():
            try:
                answers.append(httpx.post(f"{url}/v1/models/echo/predict", json={"texts": ["in flight"]}, timeout=60))
            except httpx.HTTPError as e:  # shown by the assert below
                answers.append(e)

        client = threading.Thread(target=call)
        client.start()
        while not echo.calls and client.is_alive():  # the request is inside the model
            threading.Event().wait(0.005)
        live.stop()  # as on SIGTERM: stop accepting, finish what is in flight
        assert _refused(live.address), "the server still accepts connections"
        echo.gate.set()  # only now, while the server is shutting down, does the model answer
        client.join(60)
    assert answers and not isinstance(answers[0], Exception), answers
    assert answers[0].status_code == 200
    assert answers[0].json()["predictions"][0]["label"] == "in flight"


class Endless(Task):
    """A generator that streams until it is stopped (its on_text raises once nobody listens)."""

    task = "lm"
    verbs = ("generate",)

    def __init__(self):
        self.pieces, self.ended, self.gate = 0, threading.Event(), threading.Event()
        self.gate.set()

    def generate(self, prompt="", on_text=None, **options):
        self.gate.wait(10)
        try:
            for _ in range(10_000_000):  # as fast as it can: the stream's backlog holds it back
                on_text(0, "x")
                self.pieces += 1
        finally:
            self.ended.set()


def test_a_stream_whose_client_goes_away_stops_generating():
    from serve_models import LiveServer

    endless = Endless()
    with LiveServer(create_app({"endless": endless})) as url:
        with httpx.stream("POST", f"{url}/v1/models/endless/generate", json={"stream": True}, timeout=30) as r:
            first = next(r.iter_lines())
        assert first == 'data: {"sample":0,"text":"x"}'
        assert endless.ended.wait(20), "the generation went on after the client left"
    assert endless.pieces < 10_000_000


def test_a_stream_with_no_output_within_the_timeout_gets_504():
    endless = Endless()
    endless.gate.clear()
    with TestClient(create_app({"endless": endless}, ServeConfig(timeout=0.05))) as c:
        answer = c.post("/v1/models/endless/generate", json={"stream": True})
        endless.gate.set()
    assert answer.status_code == 504 and "no output within 0.05 s" in answer.json()["error"]
    assert endless.ended.wait(20)  # the late generation stopped at its first piece


# -- the command line
def test_model_names_come_from_directories_or_name_equals_dir(tmp_path):
    from nlpdive.cli.serve import model_specs

    (tmp_path / "sentiment").mkdir()
    assert model_specs([str(tmp_path / "sentiment"), f"lm={tmp_path}/x"]) == [
        ("sentiment", str(tmp_path / "sentiment")), ("lm", f"{tmp_path}/x")]
    with pytest.raises(InputError, match="a second model named 'sentiment'"):
        model_specs([str(tmp_path / "sentiment"), f"sentiment={tmp_path}"])
    with pytest.raises(InputError, match="cannot name a model in a URL"):
        model_specs(["runs/my model"])


def test_the_api_key_comes_from_the_flag_else_the_environment(monkeypatch):
    monkeypatch.delenv("NLPDIVE_API_KEY", raising=False)
    assert ServeConfig().key() is None
    monkeypatch.setenv("NLPDIVE_API_KEY", "from-env")
    assert ServeConfig().key() == "from-env" and ServeConfig(api_key="flag").key() == "flag"


def test_workers_build_the_same_app_from_the_spec_without_the_key(monkeypatch, tmp_path):
    from serve_models import build

    from nlpdive.serve import app as serve_app
    from nlpdive.serve.app import app_from_env, spec_json

    monkeypatch.setattr(serve_app, "configure_process", lambda threads: None)  # not this test process's threads/gc

    dirs = build(tmp_path)
    spec = spec_json([("sentiment", dirs["sentiment"])], ServeConfig(api_key="s3cret", max_texts=3))
    assert "s3cret" not in spec
    monkeypatch.setenv("NLPDIVE_SERVE_SPEC", spec)
    monkeypatch.setenv("NLPDIVE_API_KEY", "s3cret")
    with TestClient(app_from_env()) as c:
        assert c.get("/v1/models").status_code == 401
        answer = c.post("/v1/models/sentiment/predict", json={"texts": ["a", "b", "c", "d"]},
                        headers={"Authorization": "Bearer s3cret"})
        assert answer.status_code == 422 and "at most 3 items" in answer.json()["error"]


def test_serve_flags_come_from_serve_config(run_cli, tmp_path):
    code, out, _ = run_cli("serve", "--help")
    assert code == 0 and "--api-key" in out and "--workers" in out and "127.0.0.1" in out
    code, _, err = run_cli("serve", str(tmp_path), "--port", "70000")
    assert code == 2 and "--port must be <= 65535" in err
    code, _, err = run_cli("serve", str(tmp_path / "missing"))
    assert code == 2 and "missing" in err  # the directory is checked before any server starts
