"""Texts for operations: the admin /stats reply and the flood guard's notice."""

from __future__ import annotations

import html

from stridecoach.bot.ui.common import SLOW_DOWN
from stridecoach.storage.stats import Stats

__all__ = ["SLOW_DOWN", "render_stats"]

STATS_TITLE = "<b>StrideCoach this week</b>"


def render_stats(stats: Stats) -> str:
    lines = [
        STATS_TITLE,
        f"Runners: {stats.runners}",
        f"Active schedules: {stats.active_schedules}",
        f"Sessions this week: {stats.sessions_this_week}",
        f"Sets this week: {stats.sets_this_week}",
    ]
    return "\n".join(html.escape(line) if not line.startswith("<b>") else line for line in lines)
