"""Flow control that keeps what it has already delivered to the streams.

Faust's streams read from in-memory queues, and mode's `FlowControlEvent.resume()` clears every
one of them each time it is called, also when flow was not suspended. Table recovery calls it
twice: once to read the tables' changelogs, and again after the source partitions were resumed
and sought to their committed offsets. A message the consumer fetched and queued between the
seek and that second call is dropped, and no seek brings it back: it stays unprocessed until the
partition's next rebalance, and (the commit guard of `newswire.runtime.acks` refusing to commit
over it) the partition's commits stop there (faust-streaming issue #596). The tracker's
legacy-state test lost one of its two inputs that way in about one run in five.

Clearing is there for a resume after a suspend, i.e. after a rebalance: what the queues held
then was fetched for the previous assignment, and the seek that follows fetches it again. So a
resume clears the queues only when flow was suspended. A resume while flow is active keeps them:
what they hold was fetched at or after the seek, or just before it (read again after it, a
duplicate the handlers' idempotence absorbs). Mode offers no hook for this, hence the patch.
"""

from __future__ import annotations

from typing import Any

_installed = False


def install() -> None:
    """Patch mode's `FlowControlEvent.resume` once per process (idempotent)."""
    global _installed
    if _installed:
        return
    from mode.utils.queues import FlowControlEvent

    def resume(self: Any) -> None:
        was_suspended = not self.is_active()
        self._suspend.clear()
        self._resume.set()
        if was_suspended:
            self.clear()

    FlowControlEvent.resume = resume  # type: ignore[method-assign]
    _installed = True
