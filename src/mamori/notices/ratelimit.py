"""Pacing of outgoing mail (送信レートの制限): at most ``per_minute`` messages in any sixty seconds.

Messages are spaced evenly, one every ``60 / per_minute`` seconds, rather than sent in bursts: a mail provider
that throttles at N per minute also tends to frown on N in the first second. A sender that fell behind (a slow
server) does not catch up with a burst either: the next slot is never earlier than one interval after the last.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.interval = 60.0 / per_minute
        self._clock = clock
        self._sleep = sleep
        self._next = clock()

    def wait(self, stop: Callable[[], bool] | None = None) -> None:
        """Block until the next message may go; ``stop`` (checked at least every second) ends the wait early."""
        while True:
            delay = self._next - self._clock()
            if delay <= 0:
                break
            if stop is not None and stop():
                return
            self._sleep(min(delay, 1.0))
        self._next = max(self._next, self._clock()) + self.interval
