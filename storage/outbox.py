"""The outbox table: replies recorded with the change they report, until Telegram accepts them.

Keyword-only functions on a SQLModel `Session`; the caller owns the transaction,
so `record` runs in the same transaction as the state change it reports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, String, bindparam, case, func, insert, literal, select, update
from sqlalchemy.sql import Executable
from sqlmodel import Session, col

from stridecoach.storage.direct import Connects
from stridecoach.storage.models import OutboxMessage, table_of

# Not accepted by Telegram yet: a retried "done" re-sends it instead of advancing.
OPEN_STATUSES = ("pending", "uncertain", "blocked")
# What the retry job sends again by itself (a blocked runner is not pestered).
RETRY_STATUSES = ("pending", "uncertain")
# A send that timed out may have been delivered: one more attempt at most.
MAX_UNCERTAIN_ATTEMPTS = 2

# The statements of every "done" are built once (SQLAlchemy Core): building them per call
# cost more CPU than SQLite takes to run them.
_T = table_of(OutboxMessage)
# A list of literals, not an expanding IN: the hot path compiles each statement once
# (storage/direct.py), which an expanding list would defeat.
_OPEN = _T.c.status.in_([literal(status) for status in OPEN_STATUSES])
_INSERT = insert(_T).returning(_T.c.id)
_SUPERSEDE = update(_T).where(_T.c.session_id == bindparam("_session_id"), _OPEN).values(status="superseded")
_OPEN_FOR_SESSION = (
    select(_T.c.id, _T.c.text, _T.c.keyboard)
    .where(_T.c.session_id == bindparam("_session_id"), _OPEN)
    .order_by(_T.c.id.desc())
    .limit(1)
)
_LATEST_REPLY = (
    select(_T.c.id, _T.c.status, _T.c.text, _T.c.keyboard, _T.c.last_attempt_at)
    .where(_T.c.session_id == bindparam("_session_id"))
    .order_by(_T.c.id.desc())
    .limit(1)
)
_LAST_SHOWN_AT = (
    select(_T.c.last_attempt_at)
    .where(_T.c.session_id == bindparam("_session_id"), _T.c.status.in_(("sent", "assumed")))
    .order_by(_T.c.id.desc())
    .limit(1)
)
# One attempt's outcome, only while the row is open (a newer reply wins); a second
# uncertain attempt is taken as delivered ("assumed"), never a loop.
_MARK = (
    update(_T)
    .where(_T.c.id == bindparam("_id"), _OPEN)
    .values(
        attempts=_T.c.attempts + 1,
        last_attempt_at=bindparam("_now"),
        status=case(
            (
                (bindparam("_status", type_=String) == "uncertain")
                & (_T.c.attempts + 1 >= MAX_UNCERTAIN_ATTEMPTS),
                "assumed",
            ),
            else_=bindparam("_status", type_=String),
        ),
        message_id=func.coalesce(bindparam("_message_id", type_=BigInteger), _T.c.message_id),
    )
)
_CLOSE_SEEN = (
    update(_T)
    .where(_T.c.session_id == bindparam("_session_id"), _OPEN)
    .values(status="sent", last_attempt_at=bindparam("_now"))
)


class LatestReply(NamedTuple):
    """A session's newest reply. A newer reply supersedes every open older one, so
    when any reply of the session is open, it is this one."""

    id: int
    status: str
    text: str
    keyboard: str | None
    last_attempt_at: datetime | None

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def shown_at(self) -> datetime | None:
        """When Telegram accepted it (None: not accepted, or failed for good)."""
        return self.last_attempt_at if self.status in ("sent", "assumed") else None


class OpenReply(NamedTuple):
    """A reply Telegram has not accepted yet."""

    id: int
    text: str
    keyboard: str | None


def record(
    session: Connects,
    *,
    runner_id: int,
    chat_id: int,
    session_id: int | None,
    update_id: int | None,
    text: str,
    keyboard: str | None,
    now: datetime,
    supersede_open: bool = True,
) -> int:
    """Store a reply to send; an older open reply of the same session is superseded by it.

    `supersede_open=False`: the caller knows the session has no open reply (it just read
    or closed them in this transaction), which saves a statement on every "done".
    """
    connection = session.connection()
    if session_id is not None and supersede_open:
        supersede(session, session_id=session_id)
    new_id = connection.execute(_INSERT, {
        "runner_id": runner_id, "chat_id": chat_id, "session_id": session_id, "update_id": update_id,
        "text": text, "keyboard": keyboard, "status": "pending", "attempts": 0, "created_at": now,
    }).scalar_one()
    return int(new_id)


def supersede(session: Connects, *, session_id: int) -> None:
    session.connection().execute(_SUPERSEDE, {"_session_id": session_id})


def open_for_session(session: Connects, *, session_id: int) -> OpenReply | None:
    """The session's reply Telegram has not accepted yet, if any."""
    row = session.connection().execute(_OPEN_FOR_SESSION, {"_session_id": session_id}).first()
    return None if row is None else OpenReply(int(row[0]), str(row[1]), row[2])


def latest_reply(session: Connects, *, session_id: int) -> LatestReply | None:
    """The session's newest reply, whatever its status (one read for a typed "done")."""
    row = session.connection().execute(_LATEST_REPLY, {"_session_id": session_id}).first()
    return None if row is None else LatestReply(int(row[0]), str(row[1]), str(row[2]), row[3], row[4])


def last_shown_at(session: Connects, *, session_id: int) -> datetime | None:
    """When the session's latest reply was accepted by Telegram (None if it was not)."""
    value: datetime | None = session.connection().execute(
        _LAST_SHOWN_AT, {"_session_id": session_id}
    ).scalar()
    return value


def get(session: Session, *, outbox_id: int) -> OutboxMessage | None:
    return session.get(OutboxMessage, outbox_id)


def mark(
    session: Connects, *, outbox_id: int, status: str, now: datetime, message_id: int | None = None
) -> None:
    """Record one attempt's outcome (only while the row is still open: a newer reply wins)."""
    session.connection().execute(*mark_statement(outbox_id=outbox_id, status=status, now=now,
                                                 message_id=message_id))


def mark_statement(
    *, outbox_id: int, status: str, now: datetime, message_id: int | None = None
) -> tuple[Executable, dict[str, Any]]:
    """`mark` as (statement, parameters), to be written behind (storage/db.py)."""
    return _MARK, {"_id": outbox_id, "_status": status, "_now": now, "_message_id": message_id}


def due_for_retry(session: Session, *, before: datetime, since: datetime, limit: int = 200) -> list[int]:
    """Open replies last tried before `before` and created after `since`, oldest first."""
    rows = session.scalars(
        select(col(OutboxMessage.id))
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


def after_crash(session: Session) -> list[int]:
    """Replies an earlier process recorded but never reported on: it may have sent them.

    They become `uncertain` (one attempt counted); returns their ids, oldest first.
    """
    rows = session.connection().execute(
        update(_T)
        .where(_T.c.status == "pending", _T.c.attempts == 0)
        .values(status="uncertain", attempts=1)
        .returning(_T.c.id)
    )
    return sorted(int(row[0]) for row in rows)


def close_seen(session: Connects, *, session_id: int, now: datetime) -> None:
    """The runner pressed a button of the current prompt: it reached them."""
    session.connection().execute(_CLOSE_SEEN, {"_session_id": session_id, "_now": now})
