"""Prometheus metrics of the server: requests by model, verb and status, their latency, and the micro-batches'
sizes. Each app has its own registry (several apps in one process, as in tests, do not collide); with several
--workers, PROMETHEUS_MULTIPROC_DIR (set by `nlpdive serve`) makes /metrics add up every process's counts."""
import os

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
OTHER = "-"  # the model/verb label of requests that name no loaded model (no label per made-up name)


class Metrics:
    def __init__(self):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        kw = dict(registry=self.registry)
        self.requests = Counter("nlpdive_requests_total", "HTTP requests answered", ["model", "verb", "status"], **kw)
        self.latency = Histogram("nlpdive_request_seconds", "time from request to the end of its response",
                                 ["model", "verb"], buckets=LATENCY_BUCKETS, **kw)
        self.batch = Histogram("nlpdive_batch_size", "texts per batched model call", ["model", "verb"],
                               buckets=BATCH_BUCKETS, **kw)
        self.in_flight = Gauge("nlpdive_requests_in_flight", "requests being answered", multiprocess_mode="livesum",
                               **kw)
        self.rejected = Counter("nlpdive_rejected_total", "requests refused before reaching a model",
                                ["reason"], **kw)
        self._children = {}

    def _child(self, metric, *labels):
        key = (id(metric), labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def observe(self, model, verb, status, seconds):
        self._child(self.requests, model, verb, str(status)).inc()
        self._child(self.latency, model, verb).observe(seconds)

    def batch_size(self, model, verb, n):
        self._child(self.batch, model, verb).observe(n)

    def reject(self, reason):
        self._child(self.rejected, reason).inc()

    def exposition(self):
        """(body, content type) of GET /metrics."""
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

        registry = self.registry
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
