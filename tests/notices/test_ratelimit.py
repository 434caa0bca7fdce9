"""The pacing of outgoing mail: never more than the configured number in any sixty seconds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.notices.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@settings(deadline=None)  # a busy test machine must not fail a test about simulated time
@given(
    per_minute=st.integers(min_value=1, max_value=6000),
    work=st.lists(st.floats(min_value=0, max_value=0.5), min_size=1, max_size=300),
)
def test_no_sixty_seconds_hold_more_messages_than_the_rate(per_minute, work):
    # given: a sender whose messages take varying time (a slow server now and then)
    clock = FakeClock()
    limiter = RateLimiter(per_minute, clock=clock, sleep=clock.sleep)
    sent = []
    # when
    for seconds in work:
        limiter.wait()
        sent.append(clock.now)
        clock.sleep(seconds)
    # then
    start = 0
    for end, moment in enumerate(sent):
        while moment - sent[start] >= 60 - 1e-9:  # float rounding of 60/rate steps
            start += 1
        assert end - start + 1 <= per_minute


def test_a_sender_that_fell_behind_does_not_catch_up_with_a_burst():
    # given
    clock = FakeClock()
    limiter = RateLimiter(60, clock=clock, sleep=clock.sleep)  # one a second
    limiter.wait()
    clock.sleep(10)  # the server was slow for ten seconds
    # when
    limiter.wait()
    first = clock.now
    limiter.wait()
    # then
    assert clock.now - first >= 1.0


def test_a_stop_request_ends_the_wait():
    clock = FakeClock()
    limiter = RateLimiter(1, clock=clock, sleep=clock.sleep)
    limiter.wait()
    before = clock.now
    limiter.wait(stop=lambda: True)
    assert clock.now == before
