"""Operations inside the bot: the per-runner flood guard and the admin-only /stats.

The flood guard runs in handler group -2, before anything else. A runner who
sends more than FLOOD_MAX_MESSAGES updates within FLOOD_WINDOW_SECONDS gets one
polite notice; their updates are then dropped (ApplicationHandlerStop) until
their rate falls back under the limit. Dropped updates still count, so a
runner who keeps flooding stays slowed down. Other runners are never affected:
the window is per runner.

The window lives in memory (Services.extras) on purpose: it protects this
process from a burst, and losing it on a restart costs nothing.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from stridecoach.bot.handlers.common import send_text, unknown_command
from stridecoach.bot.services import BotContext, Services
from stridecoach.bot.ui import operations as ui
from stridecoach.storage.stats import collect_stats

log = logging.getLogger(__name__)

FLOOD_KEY = "flood_guard"
# Forget idle runners now and then so the guard's memory stays bounded.
PRUNE_EVERY = 1000


@dataclass
class _RunnerWindow:
    # The last `limit` arrival times; maxlen keeps memory O(limit) however hard someone floods.
    arrivals: deque[datetime]
    notified: bool = False


@dataclass
class FloodGuard:
    """A sliding window per runner over the last `limit` updates."""

    limit: int
    window: timedelta
    runners: dict[int, _RunnerWindow] = field(default_factory=dict)
    _seen: int = 0

    def check(self, user_id: int, now: datetime) -> str:
        """Record an update; returns "ok", "notify" (first dropped one) or "drop"."""
        self._maybe_prune(now)
        state = self.runners.get(user_id)
        if state is None:
            state = self.runners[user_id] = _RunnerWindow(deque(maxlen=self.limit))
        # Over the limit when the `limit`-th previous update is still inside the window.
        flooding = len(state.arrivals) == self.limit and now - state.arrivals[0] < self.window
        state.arrivals.append(now)
        if not flooding:
            state.notified = False
            return "ok"
        if state.notified:
            return "drop"
        state.notified = True
        return "notify"

    def _maybe_prune(self, now: datetime) -> None:
        self._seen += 1
        if self._seen % PRUNE_EVERY:
            return
        idle = [uid for uid, s in self.runners.items() if now - s.arrivals[-1] >= self.window]
        for uid in idle:
            del self.runners[uid]


def flood_guard(services: Services) -> FloodGuard:
    guard = services.extras.get(FLOOD_KEY)
    if guard is None:
        settings = services.settings
        guard = services.extras[FLOOD_KEY] = FloodGuard(
            settings.flood_max_messages, timedelta(seconds=settings.flood_window_seconds)
        )
    return guard


async def guard_flood(update: Update, context: BotContext) -> None:
    """Group -2: stop a flooding runner's update before any other handler sees it."""
    user = update.effective_user
    if user is None:
        return
    verdict = flood_guard(context.services).check(user.id, context.services.now())
    if verdict == "ok":
        return
    if verdict == "notify":
        log.warning("flood guard: runner %d is over the limit; slowing them down", user.id)
        if update.effective_chat is not None and update.effective_chat.type == "private":
            await send_text(update, context, ui.SLOW_DOWN)
    raise ApplicationHandlerStop


async def stats_command(update: Update, context: BotContext) -> None:
    """/stats for the operators listed in ADMIN_USER_IDS; anyone else sees an unknown command."""
    user = update.effective_user
    if user is None or user.id not in context.services.settings.admin_user_ids:
        log.info("/stats refused for user %s (not in ADMIN_USER_IDS)", user.id if user else "?")
        await unknown_command(update, context)
        return
    with context.services.db.session() as session:
        stats = collect_stats(session, context.services.now())
    await send_text(update, context, ui.render_stats(stats))
