"""Server-sent events from a model call running in a worker thread.

`work(emit)` runs in the thread and calls `emit(data)` for each piece (a generated text piece, one translated
sentence); the pieces cross to the event loop through an asyncio queue and go out as `data: JSON` events, then
the call's return value as `event: done`. The first event is awaited before the response starts, so bad input is
still a plain 4xx JSON answer. When the client goes away or the request times out, the next `emit` stops the call.
"""
import asyncio
import threading

from starlette.responses import StreamingResponse

from nlpdive.serve.responses import ApiError, dumps, error_message

BACKLOG = 64  # pieces waiting to be sent before the model call waits for the client
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class Cancelled(Exception):
    """Raised inside the model call by emit() once nobody is listening."""


def sse(data, event=None):
    head = f"event: {event}\n".encode() if event else b""
    return head + b"data: " + dumps(data) + b"\n\n"


async def stream(work, run, timeout):
    """A StreamingResponse of `work`'s pieces; `run(fn)`: awaitable that runs fn in a worker thread."""
    loop = asyncio.get_running_loop()
    queue, stop, slots = asyncio.Queue(), threading.Event(), threading.Semaphore(BACKLOG)
    deadline = loop.time() + timeout

    def emit(data):
        while not slots.acquire(timeout=0.05):  # the client is behind: wait (memory stays bounded)
            if stop.is_set():
                raise Cancelled
        if stop.is_set():
            raise Cancelled
        loop.call_soon_threadsafe(queue.put_nowait, ("data", data))

    def job():
        try:
            result = ("done", work(emit))
        except Cancelled:
            return
        except Exception as e:  # noqa: BLE001 - handed to the event loop, which answers it
            result = ("error", e)
        loop.call_soon_threadsafe(queue.put_nowait, result)

    task = asyncio.ensure_future(run(job))

    def next_item():
        return _next(queue, deadline, stop, slots)

    try:
        first = await next_item()
    except asyncio.TimeoutError:
        raise ApiError(504, f"no output within {timeout:g} s (the server's --timeout)") from None
    if first[0] == "error":
        raise first[1]
    return StreamingResponse(_events(first, next_item, stop, task), media_type="text/event-stream",
                             headers=SSE_HEADERS)


async def _next(queue, deadline, stop, slots):
    try:
        item = await asyncio.wait_for(queue.get(), max(0.0, deadline - asyncio.get_running_loop().time()))
    except (asyncio.TimeoutError, asyncio.CancelledError):
        stop.set()
        raise
    if item[0] == "data":
        slots.release()
    return item


async def _events(item, next_item, stop, task):
    try:
        while True:
            kind, data = item
            if kind == "error":
                yield sse({"error": error_message(data)}, "error")
                return
            yield sse(data, "done" if kind == "done" else None)
            if kind == "done":
                return
            item = await next_item()
    except asyncio.TimeoutError:
        yield sse({"error": "timed out (the server's --timeout)"}, "error")
    finally:
        stop.set()
        del task  # the thread ends at its next emit
