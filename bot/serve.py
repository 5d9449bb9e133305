"""Running the bot for real: long polling by default, webhooks when asked.

Both modes share one lifecycle (`run_until_stopped`):

1. start-up: getMe (retried with a log line while the Bot API is unreachable or
   answers 5xx; a rejected token stops at once), post_init, queue the updates a
   previous run stored but did not handle, then start receiving;
2. run until SIGTERM or SIGINT;
3. stop receiving first (polling stops fetching; the webhook server stops
   accepting), take the queued updates that have not started off the queue
   (they are in the inbox, bot/inbox.py, and the next start handles them),
   give the ones in progress and running jobs `DRAIN_SECONDS` to finish, then
   post_shutdown closes the database. So SIGTERM exits well within Docker's
   10 s whatever the backlog, and loses nothing.

A signal during start-up simply abandons the start-up. Either way the process
exits 0 after a signal, so `docker stop` is a clean stop, not a failure.

We own this loop instead of calling PTB's `run_polling` so that the health
endpoint, the webhook server and the drain log lines live in one place.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable

from telegram.error import InvalidToken

from stridecoach.bot import outbox
from stridecoach.bot.app import build_application
from stridecoach.bot.inbox import inbox_of
from stridecoach.bot.logging_setup import configure_logging
from stridecoach.bot.receivers import AnyApplication, Receiver, retrying
from stridecoach.bot.runtime import MigrationFailed, build_services
from stridecoach.bot.settings import Settings
from stridecoach.bot.ui.sessions import ALREADY_RECORDED

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# SIGTERM: handlers already running get this long to finish (Docker kills after 10 s).
DRAIN_SECONDS = 6.0


def serve(settings: Settings, *, webhook: bool = False) -> int:
    """Run until stopped; returns the process exit code."""
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    secret = settings.webhook_secret_token.get_secret_value() if settings.webhook_secret_token else ""
    # A very short secret would mask ordinary words; webhook secrets are long in practice.
    configure_logging(
        settings.log_level, settings.log_format, secrets=[s for s in (token, secret) if len(s) >= 8]
    )
    use_webhook = webhook or bool(settings.webhook_url)
    if use_webhook:
        from stridecoach.bot.webhook import webhook_config_problem

        problem = webhook_config_problem(settings)
        if problem:
            log.error("cannot start in webhook mode: %s", problem)
            return 2
    try:
        return _serve(settings, use_webhook)
    except InvalidToken:
        log.error("Telegram rejected the bot token; check TELEGRAM_BOT_TOKEN")
        return 1
    except OSError as exc:
        # Typically the webhook or health port is already taken.
        log.error("could not start: %s", exc)
        return 1
    except Exception:  # the last line of defence: log (token-redacted) instead of a raw traceback
        log.exception("StrideCoach stopped on an unexpected error")
        return 1


def _serve(settings: Settings, use_webhook: bool) -> int:
    from stridecoach.bot.process_lock import DatabaseInUse, lock_database

    try:
        lock = lock_database(settings.database_url)
    except DatabaseInUse as exc:
        log.error("cannot start: %s", exc)
        return 1
    try:
        return _serve_locked(settings, use_webhook)
    finally:
        if lock is not None:
            lock.close()


def _serve_locked(settings: Settings, use_webhook: bool) -> int:
    try:
        services = build_services(settings, migrate_apart=True)
    except MigrationFailed as exc:
        log.error("cannot start: the database schema could not be upgraded: %s", exc)
        return 1
    application = build_application(services)
    receiver: Receiver
    if use_webhook:
        from stridecoach.bot.webhook import WebhookReceiver

        receiver = WebhookReceiver(settings)
    else:
        from stridecoach.bot.polling import PollingReceiver

        receiver = PollingReceiver()
    asyncio.run(run_until_stopped(application, receiver, settings))
    return 0


async def run_until_stopped(
    application: AnyApplication, receiver: Receiver, settings: Settings
) -> None:
    """Start, serve until SIGTERM/SIGINT, then stop without losing a queued update."""
    stop = asyncio.Event()
    _install_stop_signals(stop)
    health = None
    try:
        if not await _until_stopped(stop, _start(application, receiver)):
            log.info("stop requested during start-up")
            return
        if settings.health_port and not receiver.serves_health_on(settings.health_port):
            from stridecoach.bot.webhook import HealthCheck, start_health_server

            check = HealthCheck(application, receiver)
            health = start_health_server(check, settings.webhook_listen, settings.health_port,
                                         settings.webhook_max_connections_per_address)
        log.info("StrideCoach is receiving updates by %s", receiver.name)
        await stop.wait()
    finally:
        await _shutdown(application, receiver)
        if health is not None:
            health.stop()


async def _start(application: AnyApplication, receiver: Receiver) -> None:
    await retrying(application.initialize, "connect to the Bot API (getMe)")
    if application.post_init is not None:
        post_init = application.post_init
        await retrying(lambda: post_init(application), "start-up (setMyCommands, jobs)")
    await inbox_of(application).resume(application)  # what a crash or a stop left unhandled
    # Replies recorded with a change just before a crash, which the runner may not have seen.
    await outbox.resend_after_crash(application, ALREADY_RECORDED)
    await application.start()
    await receiver.start(application)


async def _until_stopped(stop: asyncio.Event, work: Awaitable[None]) -> bool:
    """Run `work` unless `stop` is set first; True when the work finished."""
    work_task = asyncio.ensure_future(work)
    stop_task = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({work_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
    if work_task in done:
        stop_task.cancel()
        work_task.result()  # re-raise start-up errors (e.g. InvalidToken)
        return True
    work_task.cancel()
    try:
        await work_task
    except asyncio.CancelledError:
        pass
    return False


async def _shutdown(application: AnyApplication, receiver: Receiver) -> None:
    if receiver.running:
        await receiver.stop(application)
    if application.running:
        left = _unqueue(application)
        log.info("stopping: %d queued update(s) stay in the inbox for the next start; "
                 "finishing the ones in progress and running jobs", left)
        try:
            # Waits for the updates in progress, then the job queue.
            await asyncio.wait_for(asyncio.shield(application.stop()), DRAIN_SECONDS)
        except TimeoutError:
            log.warning("stopping: updates still in progress after %.0fs; they are handled after "
                        "the restart", DRAIN_SECONDS)
        if application.post_stop is not None:
            await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)  # closes the database
    log.info("StrideCoach stopped cleanly")


def _unqueue(application: AnyApplication) -> int:
    """Take the updates not started yet off the queue: they are stored, the next start handles them."""
    queue = application.update_queue
    taken = 0
    while not queue.empty():
        queue.get_nowait()
        queue.task_done()
        taken += 1
    return taken


def _install_stop_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()

    def on_signal(sig: signal.Signals) -> None:
        if stop.is_set():
            log.info("%s received again; still finishing in-flight updates", sig.name)
            return
        log.info("%s received; stopping after in-flight updates", sig.name)
        stop.set()

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig)
