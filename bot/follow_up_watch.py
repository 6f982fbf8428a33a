"""The app's watch over incident follow-ups: sent once more when unanswered, then not reached.

The rules are ``governance.follow_ups.watch_follow_ups``; this is the loop
that applies them while the app runs. A send once more goes through the
store like any other, so the dispatcher delivers it in quiet-hours' time.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from governance.follow_ups import FollowUpPlan, watch_follow_ups
from storage.models import utcnow
from storage.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger(__name__)


class FollowUpWatcher:
    """Moves follow-ups on every ``every_seconds``; ``tick`` takes ``now`` so tests move a clock."""

    def __init__(
        self,
        store: UnitOfWorkFactory,
        plan: FollowUpPlan,
        resend_after: timedelta,
        every_seconds: float = 60.0,
    ) -> None:
        self.store = store
        self.plan = plan
        self.resend_after = resend_after
        self.every_seconds = every_seconds

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # noqa: BLE001 - the loop must outlive one bad round
                logger.exception("Watching incident follow-ups failed; trying again shortly")
            await asyncio.sleep(self.every_seconds)

    async def tick(self, now: datetime | None = None) -> int:
        """Apply the rules once; return how many follow-ups changed."""
        return await asyncio.to_thread(self._tick, now or utcnow())

    def _tick(self, now: datetime) -> int:
        with self.store() as uow:
            changed = watch_follow_ups(uow, self.plan, self.resend_after, now)
            uow.commit()
        return changed
