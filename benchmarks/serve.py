"""`nlpdive serve` under load, on loopback only: throughput and latency of classification (bag of words, GRU) at
32 concurrent keep-alive clients with one text per request, time to the first streamed token of a char-GRU
generator, 1,000 malformed / oversized / wrong-typed requests, and the server's memory over 10,000 requests.

    python benchmarks/serve.py            # the full run (~2-3 min on 2 cores, models cached in runs/bench/serve)
    python benchmarks/serve.py --quick    # a smoke run (< 40 s): fewer requests, smaller models

Fairness on a 2-core machine: the server (`nlpdive serve`, one process, uvicorn + httptools + uvloop when
installed) is pinned to core 0 and this load generator (raw asyncio sockets with keep-alive, uvloop when
installed; no HTTP library in the loop) to core 1. Each phase reports the load generator's own CPU share and the
server's, read from /proc. Every loop is bounded by a request count and a time cap; nothing leaves 127.0.0.1.
"""
import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HOST = "127.0.0.1"
BODY_LIMIT = 100_000  # the server's --max-body-bytes here: oversized requests stay cheap to send
SENTENCES = ["a gripping, beautifully shot film with a great cast", "dull, predictable and far too long",
             "the plot is thin but the actors make it fun", "i have never been so bored in a cinema",
             "an instant classic", "not funny, not clever, not worth your time"]


# -- models
def make_models(root, quick):
    """{name: dir}: bag-of-words and GRU classifiers on the bundled MR sample, a char-GRU on Tiny Shakespeare."""
    import torch

    from nlpdive import demo
    from nlpdive.data import read_examples
    from nlpdive.tasks.classify import Classifier, ClassifyConfig
    from nlpdive.tasks.lm import LMConfig, train as train_lm
    from nlpdive.train import TrainConfig

    torch.set_num_threads(1)
    root.mkdir(parents=True, exist_ok=True)
    dirs = {"bow": root / "bow", "gru": root / "gru", "chars": root / "chars"}
    rows = read_examples(demo.path("mr"))
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    if not (dirs["bow"] / "config.json").exists():
        Classifier.fit(texts, labels, ClassifyConfig(), TrainConfig(epochs=3, threads=1)).save(dirs["bow"])
    if not (dirs["gru"] / "config.json").exists():
        size = dict(embed_dim=32, hidden=32) if quick else {}  # else the GRU's defaults (bidirectional, 128)
        Classifier.fit(texts, labels, ClassifyConfig(model="gru", **size),
                       TrainConfig(epochs=1, batch_size=64, lr=2e-3, threads=1)).save(dirs["gru"])
    if not (dirs["chars"] / "config.json").exists():
        settings = LMConfig(model="char-gru", **(dict(hidden=64, layers=1) if quick else {}))
        train_lm(demo.path("shakespeare"), settings=settings, out_dir=dirs["chars"],
                 train_cfg=TrainConfig(max_steps=50 if quick else 400, batch_size=32, threads=1, log_every=100))
    return dirs


# -- the server, pinned to core 0
def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(dirs, port, cores):
    cmd = [sys.executable, "-m", "nlpdive", "serve", *(f"{n}={d}" for n, d in dirs.items()), "--port", str(port),
           "--threads", "1", "--max-body-bytes", str(BODY_LIMIT), "--max-concurrency", "1024"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, preexec_fn=lambda: _pin(cores[0]))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            status, _ = asyncio.run(request_once(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
            if status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"the server did not start: {' '.join(cmd)}")


def _pin(core):
    if core is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})


def cpu_seconds(pid):
    """user + system CPU seconds of a process, from /proc (0 where /proc is missing)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- the load generator: raw HTTP/1.1 over keep-alive connections
def post(path, body, content_type=b"application/json"):
    body = body if isinstance(body, bytes) else json.dumps(body).encode()
    return (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: " + content_type +
            b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


async def read_response(reader):
    """(status, body) of one response (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    if b"transfer-encoding: chunked" in lower:
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            body += (await reader.readexactly(size + 2))[:-2]
            if size == 0:
                return status, body
    start = lower.find(b"content-length:")
    length = int(lower[start + 15:lower.find(b"\r\n", start)]) if start >= 0 else 0
    return status, await reader.readexactly(length)


async def request_once(port, raw):
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(raw)
        return await read_response(reader)
    finally:
        writer.close()


async def _client(port, requests, results, deadline):
    reader, writer = await asyncio.open_connection(HOST, port)
    for raw in requests:
        if time.perf_counter() > deadline:
            break
        t0 = time.perf_counter()
        writer.write(raw)
        status, _ = await read_response(reader)
        results.append((status, time.perf_counter() - t0))
    writer.close()


def load(port, requests, clients=32, cap=120.0):
    """Send `requests` (raw bytes) over `clients` keep-alive connections, as fast as answers come; returns
    (results [(status, seconds)], wall seconds, this process's CPU seconds)."""
    per_client = [requests[i::clients] for i in range(clients)]
    results = []

    async def main():
        deadline = time.perf_counter() + cap
        await asyncio.gather(*(_client(port, reqs, results, deadline) for reqs in per_client))

    cpu0, t0 = time.process_time(), time.perf_counter()
    _run(main())
    return results, time.perf_counter() - t0, time.process_time() - cpu0


def _run(coro):
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:
        return asyncio.run(coro)


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


# -- the phases
def throughput(port, pid, model, n, clients):
    reqs = [post(f"/v1/models/{model}/predict", {"texts": [SENTENCES[i % len(SENTENCES)] + f" {i}"]})
            for i in range(n)]
    load(port, reqs[: max(64, n // 20)], clients)  # warm-up
    server_cpu = cpu_seconds(pid)
    results, wall, cpu = load(port, reqs, clients)
    lat = [s for _, s in results]
    return {"phase": f"classify-{model}", "clients": clients, "requests": len(results),
            "errors": sum(st != 200 for st, _ in results), "requests_per_s": round(len(results) / wall),
            "p50_ms": round(1000 * percentile(lat, 0.5), 2), "p99_ms": round(1000 * percentile(lat, 0.99), 2),
            "server_cpu_share": round((cpu_seconds(pid) - server_cpu) / wall, 2),
            "loadgen_cpu_share": round(cpu / wall, 2)}


async def _stream_once(port, body):
    reader, writer = await asyncio.open_connection(HOST, port)
    t0 = time.perf_counter()
    writer.write(post("/v1/models/chars/generate", body))
    head = await reader.readuntil(b"\r\n\r\n")
    await reader.readuntil(b"data:")
    first = time.perf_counter() - t0
    await reader.readuntil(b"0\r\n\r\n")  # the last chunk
    total = time.perf_counter() - t0
    writer.close()
    return int(head[9:12]), first, total


def first_token(port, n, max_tokens):
    body = {"prompt": "ROMEO:", "max_tokens": max_tokens, "stream": True, "seed": 0}
    runs = [_run(_stream_once(port, {**body, "seed": i})) for i in range(n)]
    firsts = [f for _, f, _ in runs]
    return {"phase": "generate-char-gru-stream", "requests": n, "max_tokens": max_tokens,
            "errors": sum(st != 200 for st, _, _ in runs),
            "first_token_p50_ms": round(1000 * percentile(firsts, 0.5), 1),
            "first_token_max_ms": round(1000 * max(firsts), 1),
            "tokens_per_s": round(max_tokens * n / sum(t for _, _, t in runs))}


def bad_requests(n):
    """`n` requests that must all be answered 4xx: malformed, oversized, wrong-typed, unknown."""
    p = "/v1/models/bow/predict"
    kinds = [post(p, b"{not json"), post(p, {"texts": "one string"}), post(p, {"texts": [1, 2]}),
             post(p, {"texts": []}), post(p, {"texts": ["x"] * 257}), post(p, {"texts": ["x" * 10_001]}),
             post(p, {"texts": ["ok"], "extra": 1}), post(p, [1, 2]), post(p, {"texts": ["ok"], "threshold": "high"}),
             post(p, b"x" * (BODY_LIMIT + 1000)), post(p, b"null"), post(p, {"texts": ["ok"]}, b"text/plain"),
             post("/v1/models/nope/predict", {"texts": ["x"]}), post("/v1/models/bow/generate", {"prompt": "x"}),
             post("/v1/models/chars/generate", {"prompt": "x", "temperature": -1}),
             post("/v1/models/chars/generate", {"prompt": "x", "max_tokens": 10 ** 9}),
             post("/v1/models/chars/generate", {"prompt": "\u2603"}), post(p, {"texts": [None]})]
    return [kinds[i % len(kinds)] for i in range(n)]


def robustness(port, n):
    results, wall, _ = load(port, bad_requests(n), clients=8)
    statuses = sorted({st for st, _ in results})
    healthy = _run(request_once(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))[0] == 200
    still = _run(request_once(port, post("/v1/models/bow/predict", {"texts": ["fine"]})))[0] == 200
    return {"phase": "bad-input", "requests": len(results), "not_4xx": sum(not 400 <= st < 500 for st, _ in results),
            "statuses": statuses, "healthy_after": healthy and still, "seconds": round(wall, 2)}


def memory(port, pid, n):
    reqs = [post("/v1/models/bow/predict", {"texts": [f"{SENTENCES[i % 6]} {i} {'x' * (i % 50)}"]})
            for i in range(n)]
    load(port, reqs[:1000], 16)  # allocator and caches settle
    before = rss_mb(pid)
    results, _, _ = load(port, reqs, 16)
    after = rss_mb(pid)
    return {"phase": "memory", "requests": len(results), "errors": sum(st != 200 for st, _ in results),
            "rss_before_mb": round(before, 1), "rss_after_mb": round(after, 1),
            "rss_growth_pct": round(100 * (after - before) / before, 2)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a smoke run (< 40 s): fewer requests, smaller models")
    ap.add_argument("--models", type=Path, help="where the models are (trained there when missing; default "
                    "runs/bench/serve, runs/bench/serve-quick with --quick)")
    ap.add_argument("--clients", type=int, default=32, help="concurrent keep-alive clients (default 32)")
    ap.add_argument("--json", action="store_true", help="one JSON object per phase")
    args = ap.parse_args(argv)
    quick = args.quick
    n = dict(bow=3000, gru=1000, ttft=5, bad=1000, mem=2000) if quick else \
        dict(bow=20_000, gru=5000, ttft=20, bad=1000, mem=10_000)
    dirs = make_models(args.models or Path("runs/bench/serve-quick" if quick else "runs/bench/serve"), quick)
    cores = sorted(os.sched_getaffinity(0))[:2] if hasattr(os, "sched_getaffinity") else [None, None]
    cores = cores if len(cores) == 2 else [None, None]
    port = free_port()
    server = start_server(dirs, port, cores)
    _pin(cores[1])
    print(f"# server pid {server.pid} on core {cores[0]}, load generator on core {cores[1]}, "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    try:
        for phase in (lambda: throughput(port, server.pid, "bow", n["bow"], args.clients),
                      lambda: throughput(port, server.pid, "gru", n["gru"], args.clients),
                      lambda: first_token(port, n["ttft"], 200),
                      lambda: robustness(port, n["bad"]),
                      lambda: memory(port, server.pid, n["mem"])):
            record = phase()
            print(json.dumps(record) if args.json else "  ".join(f"{k}={v}" for k, v in record.items()), flush=True)
    finally:
        server.send_signal(signal.SIGINT)  # graceful: uvicorn finishes in-flight requests, then exits
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
