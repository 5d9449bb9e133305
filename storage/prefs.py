"""How a runner likes timed work to flow: auto-advance and a rest countdown (training_prefs)."""

from __future__ import annotations

from sqlmodel import Session

from storage.models import TrainingPrefs


def get_prefs(session: Session, *, runner_id: int) -> TrainingPrefs:
    """The runner's preferences; the defaults (no auto-advance, no rest timer) when none are stored."""
    return session.get(TrainingPrefs, runner_id) or TrainingPrefs(runner_id=runner_id)


def set_auto_advance(session: Session, *, runner_id: int, on: bool) -> TrainingPrefs:
    prefs = get_prefs(session, runner_id=runner_id)
    prefs.auto_advance = on
    session.add(prefs)
    return prefs


def set_rest(session: Session, *, runner_id: int, seconds: int | None) -> TrainingPrefs:
    prefs = get_prefs(session, runner_id=runner_id)
    prefs.rest_seconds = seconds
    session.add(prefs)
    return prefs
