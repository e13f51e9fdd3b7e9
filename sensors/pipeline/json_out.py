"""``--json`` output that never blocks the update loop: a writer thread behind a bounded queue.

When stdout is not read fast enough (a full pipe), lines are dropped and counted instead of
stalling the pipeline.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
from typing import TextIO


class JsonLines:
    """Write one JSON object per line to ``stream`` from a background thread."""

    def __init__(self, stream: TextIO | None = None, capacity: int = 256) -> None:
        self.stream = stream or sys.stdout
        self.dropped = 0
        self._queue: queue.Queue[dict | None] = queue.Queue(maxsize=capacity)
        self._thread = threading.Thread(target=self._write, name="pipeline-json", daemon=True)
        self._thread.start()

    def emit(self, line: dict) -> None:
        """Queue one object; never waits (drops and counts when the queue is full)."""
        try:
            self._queue.put_nowait(line)
        except queue.Full:
            self.dropped += 1

    def _write(self) -> None:
        while (line := self._queue.get()) is not None:
            try:
                self.stream.write(json.dumps(line, ensure_ascii=False) + "\n")
                self.stream.flush()
            except (BrokenPipeError, ValueError):  # the reader went away: keep draining, write nothing
                continue

    def close(self, timeout: float = 5.0) -> bool:
        """Write what is queued (up to ``timeout`` seconds), then stop the thread; True once stopped."""
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            return False
        self._thread.join(timeout=timeout)
        return not self._thread.is_alive()
