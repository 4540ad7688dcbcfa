"""Lamport clocks as status-go keeps them per chat, and the received-clock check.

Rules (spec/status-protocol.md §4.5, ``chat.go:NextClockAndTimestamp``, ``message_validator.go``):

* send:    timestamp = now (ms); clock = timestamp if last == 0 or last < timestamp, else last + 1
* receive: last = max(last, message.clock)
* valid:   clock != 0 and clock <= W + 120 000, W = Waku timestamp in whole seconds × 1000
"""

from __future__ import annotations

from dataclasses import dataclass

from statuscli.core.errors import InvalidMessage

MAX_FUTURE_DRIFT_MS = 120_000


def next_clock(last_clock: int, now_ms: int) -> tuple[int, int]:
    """(clock, timestamp) for a message sent now after a chat whose last clock is ``last_clock``."""
    clock = now_ms if last_clock == 0 or last_clock < now_ms else last_clock + 1
    return clock, now_ms


def observe(last_clock: int, received_clock: int) -> int:
    return max(last_clock, received_clock)


def waku_timestamp_ms(timestamp_ns: int) -> int:
    """status-go's ``WhisperTimestamp``: the Waku timestamp truncated to seconds, in ms."""
    return (timestamp_ns // 1_000_000_000) * 1000


def validate_clock(clock: int, waku_ms: int) -> None:
    """Raise when a received clock is 0 or more than 2 minutes ahead of the Waku timestamp."""
    if clock == 0:
        raise InvalidMessage("clock can't be 0")
    if clock > waku_ms and clock - waku_ms > MAX_FUTURE_DRIFT_MS:
        raise InvalidMessage("clock value too high (more than 2 minutes ahead of the Waku timestamp)")


@dataclass
class LamportClock:
    """A chat's clock. ``tick(now_ms)`` for sending, ``observe(clock)`` for receiving."""

    last: int = 0

    def tick(self, now_ms: int) -> tuple[int, int]:
        clock, ts = next_clock(self.last, now_ms)
        self.last = clock
        return clock, ts

    def observe(self, clock: int) -> int:
        self.last = observe(self.last, clock)
        return self.last
