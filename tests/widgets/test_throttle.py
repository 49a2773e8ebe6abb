import asyncio
import threading

from gradviz.widgets.throttle import Throttle


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_burst_is_limited_by_wall_clock_and_ends_in_its_last_state():
    clock = FakeClock()
    drawn = []
    throttle = Throttle(drawn.append, interval=0.1, clock=clock)
    for i in range(1000):  # one second of updates every millisecond
        clock.now = i * 0.001
        throttle.request(i)
    throttle.flush()
    assert len(drawn) <= 11 and drawn[-1] == 999
    assert drawn == sorted(drawn)


def test_flush_without_pending_state_draws_nothing():
    drawn = []
    throttle = Throttle(drawn.append)
    throttle.flush()
    assert drawn == []


def test_cancel_forgets_the_pending_state():
    clock = FakeClock()
    drawn = []
    throttle = Throttle(drawn.append, interval=0.1, clock=clock)
    throttle.request(1)
    throttle.request(2)
    throttle.cancel()
    throttle.flush()
    assert drawn == [1]


def test_the_event_loop_delivers_the_trailing_state():
    drawn = []

    async def burst():
        throttle = Throttle(drawn.append, interval=0.05)
        for i in range(100):
            throttle.request(i)
        await asyncio.sleep(0.2)

    # a thread of its own: on the browser-test worker, Playwright keeps an event loop in the main thread
    runner = threading.Thread(target=asyncio.run, args=(burst(),))
    runner.start()
    runner.join()
    assert drawn[0] == 0 and drawn[-1] == 99 and len(drawn) == 2
