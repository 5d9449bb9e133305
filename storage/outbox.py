"""The outbox table: replies recorded with the change they report, until Telegram accepts them.

Keyword-only functions on a SQLModel `Session`; the caller owns the transaction,
so `record` runs in the same transaction as the state change it reports.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from stridecoach.storage.models import OutboxMessage

# Not accepted by Telegram yet: a retried "done" re-sends it instead of advancing.
OPEN_STATUSES = ("pending", "uncertain", "blocked")
# What the retry job sends again by itself (a blocked runner is not pestered).
RETRY_STATUSES = ("pending", "uncertain")
# A send that timed out may have been delivered: one more attempt at most.
MAX_UNCERTAIN_ATTEMPTS = 2


def record(
    session: Session,
    *,
    runner_id: int,
    chat_id: int,
    session_id: int | None,
    update_id: int | None,
    text: str,
    keyboard: str | None,
    now: datetime,
) -> int:
    """Store a reply to send; an older open reply of the same session is superseded by it."""
    if session_id is not None:
        supersede(session, session_id=session_id)
    row = OutboxMessage(
        runner_id=runner_id, chat_id=chat_id, session_id=session_id, update_id=update_id,
        text=text, keyboard=keyboard, created_at=now,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def supersede(session: Session, *, session_id: int) -> None:
    session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.session_id) == session_id, col(OutboxMessage.status).in_(OPEN_STATUSES))
        .values(status="superseded")
    )


def open_for_session(session: Session, *, session_id: int) -> OutboxMessage | None:
    """The session's reply Telegram has not accepted yet, if any."""
    return session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.session_id == session_id, col(OutboxMessage.status).in_(OPEN_STATUSES))
        .order_by(col(OutboxMessage.id).desc())
        .limit(1)
    ).first()


def last_shown_at(session: Session, *, session_id: int) -> datetime | None:
    """When the session's latest reply was accepted by Telegram (None if it was not)."""
    row = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.session_id == session_id, col(OutboxMessage.status).in_(("sent", "assumed")))
        .order_by(col(OutboxMessage.id).desc())
        .limit(1)
    ).first()
    return row.last_attempt_at if row is not None else None


def get(session: Session, *, outbox_id: int) -> OutboxMessage | None:
    return session.get(OutboxMessage, outbox_id)


def mark(
    session: Session, *, outbox_id: int, status: str, now: datetime, message_id: int | None = None
) -> None:
    """Record one attempt's outcome (only while the row is still open: a newer reply wins)."""
    row = session.get(OutboxMessage, outbox_id)
    if row is None or row.status not in OPEN_STATUSES:
        return
    row.attempts += 1
    row.last_attempt_at = now
    if status == "uncertain" and row.attempts >= MAX_UNCERTAIN_ATTEMPTS:
        status = "assumed"  # twice timed out: taken as delivered, never a loop
    row.status = status
    if message_id is not None:
        row.message_id = message_id
    session.add(row)


def due_for_retry(session: Session, *, before: datetime, since: datetime, limit: int = 200) -> list[int]:
    """Open replies last tried before `before` and created after `since`, oldest first."""
    rows = session.exec(
        select(OutboxMessage.id)
        .where(
            col(OutboxMessage.status).in_(RETRY_STATUSES),
            col(OutboxMessage.created_at) >= since,
            # Never attempted: only once it is old enough, else the handler that recorded it
            # is still sending it (waiting on the chat's budget or the network).
            (col(OutboxMessage.last_attempt_at).is_(None) & (col(OutboxMessage.created_at) < before))
            | (col(OutboxMessage.last_attempt_at) < before),
        )
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    ).all()
    return [int(r) for r in rows if r is not None]


def after_crash(session: Session) -> int:
    """Replies an earlier process recorded but never reported on: it may have sent them."""
    result = session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.status) == "pending", col(OutboxMessage.attempts) == 0)
        .values(status="uncertain", attempts=1)
    )
    return int(result.rowcount or 0)


def close_seen(session: Session, *, session_id: int, now: datetime) -> None:
    """The runner pressed a button of the current prompt: it reached them."""
    session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.session_id) == session_id, col(OutboxMessage.status).in_(OPEN_STATUSES))
        .values(status="sent", last_attempt_at=now)
    )
