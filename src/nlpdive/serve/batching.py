"""Micro-batching: the texts of concurrent requests to one model go through the model in one call.

A request waiting on an idle model waits at most `window` seconds for others to join; while a batch runs (in a
worker thread, so the event loop keeps answering) new requests queue and form the next batch at once. A batch holds
at most `max_batch` texts (a single larger request runs alone). Requests with different options (e.g. a threshold)
never share a call; when a shared call fails on bad input, each request of it is retried alone, so one bad request
gets its own error and the others their results.
"""
import asyncio
from collections import deque


class _Pending:
    __slots__ = ("texts", "options", "future")

    def __init__(self, texts, options, future):
        self.texts, self.options, self.future = texts, options, future


class MicroBatcher:
    """Batches calls `fn(texts, **options) -> [one result per text]` (a task verb such as predict or embed).
    `run(fn, *args)` runs a call off the event loop (awaitable); `on_batch(texts)` is told each batch's size."""

    def __init__(self, fn, run, window=0.002, max_batch=64, on_batch=None):
        self.fn, self.run, self.window, self.max_batch = fn, run, window, max_batch
        self.on_batch = on_batch or (lambda n: None)
        self.queue = deque()
        self.wakeup = None  # an Event set when the queue gets work; created on the running loop
        self.worker = None

    async def submit(self, texts, options=None):
        """The results for `texts`, computed together with other requests' texts."""
        loop = asyncio.get_running_loop()
        if self.worker is None or self.worker.done():
            self.wakeup = asyncio.Event()
            self.worker = loop.create_task(self._work())
        future = loop.create_future()
        self.queue.append(_Pending(list(texts), dict(options or {}), future))
        self.wakeup.set()
        return await future

    def close(self):
        if self.worker is not None:
            self.worker.cancel()

    async def _work(self):
        while True:
            await self.wakeup.wait()
            self.wakeup.clear()
            if not self.queue:
                continue
            if self.window > 0 and self._texts_waiting() < self.max_batch:
                await asyncio.sleep(self.window)  # let concurrent requests join
            while self.queue:
                await self._run_batch(self._take())

    def _texts_waiting(self):
        return sum(len(p.texts) for p in self.queue)

    def _take(self):
        """The oldest pending requests with the same options as the first, up to max_batch texts (at least one)."""
        first = self.queue.popleft()
        batch, n, skipped = [first], len(first.texts), deque()
        while self.queue and n < self.max_batch:
            p = self.queue.popleft()
            if p.options != first.options or n + len(p.texts) > self.max_batch:
                skipped.append(p)
                if n + len(p.texts) > self.max_batch:
                    break
                continue
            batch.append(p)
            n += len(p.texts)
        self.queue.extendleft(reversed(skipped))
        return [p for p in batch if not p.future.done()]  # a request that timed out meanwhile is dropped

    async def _run_batch(self, batch):
        if not batch:
            return
        texts = [t for p in batch for t in p.texts]
        self.on_batch(len(texts))
        try:
            results = await self.run(self.fn, texts, **batch[0].options)
        except Exception as e:
            if len(batch) > 1:  # find whose input it was: each alone
                for p in batch:
                    await self._run_batch([p])
                return
            _resolve(batch[0].future, error=e)
            return
        start = 0
        for p in batch:
            _resolve(p.future, list(results[start:start + len(p.texts)]))
            start += len(p.texts)


def _resolve(future, result=None, error=None):
    if future.done():  # its request timed out or the client went away
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
