"""Wall-clock throttling of redraws.

The browser queues every widget message and never merges them, so a producer faster than the browser
makes a view lag further and further behind. A :class:`Throttle` lets a redraw through at most every
``interval`` seconds; requests in between only remember the newest state, which the next allowed
redraw, :meth:`Throttle.flush`, or a timer on the kernel's event loop (when it is free) delivers, so a
burst always ends in its last state.
"""

import asyncio
import time


class Throttle:
    def __init__(self, redraw, interval=0.1, clock=time.monotonic):
        self.redraw = redraw
        self.interval = interval
        self.clock = clock
        self.last = -float("inf")
        self.pending = None
        self.redraws = 0
        self._timer = None

    def request(self, state):
        """Ask for ``state`` to be drawn: now if the interval has passed, else when it has."""
        self.pending = state
        if self.clock() - self.last >= self.interval:
            self.flush()
        else:
            self._schedule()

    def flush(self):
        """Draw the newest pending state now, if any."""
        state = self.pending
        self.cancel()
        if state is None:
            return
        self.last = self.clock()
        self.redraws += 1
        self.redraw(state)

    def cancel(self):
        """Forget the pending state and its timer (the caller is about to draw the newest state)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.pending = None

    def _schedule(self):
        if self._timer is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        delay = max(0.0, self.interval - (self.clock() - self.last))
        self._timer = loop.call_later(delay, self._on_timer)

    def _on_timer(self):
        self._timer = None
        self.flush()
