"""A clean stop for the scheduler: SIGTERM or SIGINT ask it to stop, and it does, within seconds.

Idle (waiting for the next slot), it stops at once. During a run, the run is abandoned at the
next Python instruction: every store write works on a copy swapped in only on success, so an
abandoned run leaves the store as it was, and the slot, never recorded as run, is caught up by
the next scheduler to start. The one part finished first is delivery (send, then record what
went out), so that no message is ever sent twice; a second signal abandons even that.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from types import FrameType

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopRequested(BaseException):
    """Raised into a run being abandoned. A BaseException, so that the scheduler's
    `except Exception` (which outlives one bad run) does not swallow it."""


class StopRequest:
    """Whether a stop was asked for, and the signal handlers that ask for it."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal_name: str | None = None
        self._running = False
        self._critical = 0

    @property
    def requested(self) -> bool:
        return self.event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleeps up to `seconds`; True as soon as a stop is requested."""
        return self.event.wait(seconds)

    def handle(self, signum: int, frame: FrameType | None) -> None:
        again = self.event.is_set()
        self.signal_name = signal.Signals(signum).name
        self.event.set()
        if self._running and (self._critical == 0 or again):
            log.warning("%s: abandoning the run in progress", self.signal_name)
            raise StopRequested(self.signal_name)
        if self._running:
            log.warning("%s: stopping once the mail being sent is recorded", self.signal_name)
        else:
            log.info("%s: stopping", self.signal_name)

    @contextlib.contextmanager
    def installed(self) -> Iterator[StopRequest]:
        """Handles SIGTERM and SIGINT while the block runs (main thread only), then restores
        the previous handlers."""
        global _active
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {s: signal.signal(s, self.handle) for s in STOP_SIGNALS}
        _active = self
        try:
            yield self
        finally:
            _active = None
            for s, handler in previous.items():
                signal.signal(s, handler)

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """A run: a stop requested during it abandons it (outside critical sections)."""
        self._running = True
        try:
            yield
        finally:
            self._running = False

    @contextlib.contextmanager
    def critical(self) -> Iterator[None]:
        self._critical += 1
        try:
            yield
        finally:
            self._critical -= 1


_active: StopRequest | None = None


@contextlib.contextmanager
def finish_before_stopping() -> Iterator[None]:
    """Marks work that a stop request lets finish (sending mail and recording it). Outside a
    scheduler it does nothing."""
    active = _active
    if active is None:
        yield
        return
    with active.critical():
        yield
