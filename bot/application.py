"""PTB's Application without the bookkeeping for a persistence we do not have.

PTB (22.8) notes the chat id and the user id of every handled update, and of every job
with a chat, in two sets (`_mark_for_persistence_update`) that its persistence saves
and empties from time to time (`Application.update_persistence`). We keep state in the
database, not in a PTB persistence, and without one nothing ever empties those sets:
two ids per runner ever seen, for the life of the process (about 120 bytes per runner,
docs/performance.md "Idle memory"). With no persistence there is nothing to mark.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, Job


class StrideCoachApplication(Application[Any, Any, Any, Any, Any, Any]):
    def _mark_for_persistence_update(self, *, update: object | None = None, job: Job[Any] | None = None) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)
