from gradviz.widgets.clock import Clock


def test_a_tick_from_the_page_runs_the_callback_only_while_playing_and_is_always_answered():
    ticks, sent = [], []
    clock = Clock(lambda: ticks.append(1))
    clock.send = sent.append
    clock._on_message(clock, {"type": "tick"}, [])
    assert ticks == [] and sent == [{"type": "tock"}]  # paused: no step, but the page may tick again
    clock.playing = True
    clock._on_message(clock, {"type": "tick"}, [])
    assert ticks == [1] and len(sent) == 2


def test_the_page_is_answered_even_when_the_callback_fails():
    sent = []

    def broken():
        raise RuntimeError("boom")

    clock = Clock(broken)
    clock.send = sent.append
    clock.playing = True
    try:
        clock._on_message(clock, {"type": "tick"}, [])
    except RuntimeError:
        pass
    assert sent == [{"type": "tock"}]
