"""The `stridecoach` command line (also `python -m bot`).

Each subcommand is a few lines: parse, call the core, print.
"""

from __future__ import annotations

import argparse
import os
import json
import sys
from collections.abc import Sequence

from pydantic import ValidationError

NO_TOKEN_MESSAGE = """\
StrideCoach needs a Telegram bot token to run.

  1. Open Telegram, talk to @BotFather and send /newbot; it gives you a token.
  2. Put it in the environment (or in a .env file next to where you run the bot):
       export TELEGRAM_BOT_TOKEN=123456:ABC...
  3. Run `stridecoach run` again.

To try the bot without a token, run `stridecoach chat`: a conversation in this
terminal with the real handlers and a fake Telegram."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ValidationError as exc:
        if exc.title != "Settings":
            raise
        print(_settings_message(exc), file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `stridecoach eval ... | head`: the reader has gone, which is not an error. Point
        # stdout at /dev/null so that Python's own flush at exit does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _settings_message(error: ValidationError) -> str:
    """A setting from the environment that bot/settings.py refuses, in a line per setting
    (the values are left out: one of them may be a secret)."""
    lines = [f"  {'.'.join(str(part) for part in problem['loc']).upper()}: {problem['msg']}"
             for problem in error.errors()]
    return "cannot start: a setting is not valid (see .env.example):\n" + "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stridecoach",
        description="StrideCoach: a Telegram coach for runners' calf and lower-back strength work.",
    )
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="run the bot (long polling, or --webhook)")
    run.add_argument("--webhook", action="store_true", help="receive updates by webhook")
    run.set_defaults(func=_run)

    chat = sub.add_parser("chat", help="talk to the bot in this terminal, no token needed")
    chat.add_argument("--database", help="database URL (default: a temporary file)")
    chat.add_argument("--files", help="folder for the pictures and files the bot sends (default: data/chat-files)")
    chat.set_defaults(func=_chat)

    ask = sub.add_parser("ask", help="ask one question and print the reply")
    ask.add_argument("question", help='the question, or "-" to read one per line from stdin')
    ask.add_argument("--json", action="store_true", help="print a JSON object per question")
    ask.set_defaults(func=_ask)

    evaluate = sub.add_parser(
        "eval", help="score the understanding step on held-out labelled files, or cross-validated (--cv)"
    )
    evaluate.add_argument("files", nargs="*", help="labelled .jsonl files the models did not train on")
    evaluate.add_argument("--cv", action="store_true", help="cross-validate over content/data/examples")
    evaluate.add_argument("--quiet", action="store_true", help="figures only, no confusion listing")
    evaluate.set_defaults(func=_eval)

    fit = sub.add_parser("fit", help="fit the decision weights and thresholds on held-out folds")
    fit.set_defaults(func=_fit)

    train = sub.add_parser("train", help="train the understanding models now and save them (image build)")
    train.set_defaults(func=_train)

    check = sub.add_parser("check-content", help="validate the content files and summarise them")
    check.set_defaults(func=_check_content)

    migrate = sub.add_parser("migrate", help="create or upgrade the database schema, then exit")
    migrate.set_defaults(func=_migrate)

    stats = sub.add_parser("stats", help="runners, schedules, sessions and sets this week")
    stats.set_defaults(func=_stats)
    return parser


def _run(args: argparse.Namespace) -> int:
    from stridecoach.bot.settings import Settings

    settings = Settings()
    if settings.telegram_bot_token is None:
        print(NO_TOKEN_MESSAGE, file=sys.stderr)
        return 2
    from stridecoach.bot.serve import serve

    return serve(settings, webhook=args.webhook)


def _chat(args: argparse.Namespace) -> int:
    from stridecoach.bot.chat import run_chat

    from pathlib import Path

    return run_chat(database_url=args.database, files_dir=Path(args.files) if args.files else None)


def _ask(args: argparse.Namespace) -> int:
    from stridecoach.content import load_library
    from stridecoach.content.evaluation import ask_json, reply_text
    from stridecoach.content.understanding import build_understander

    library = load_library()
    understander = build_understander(library)
    questions = (
        (line.rstrip("\n") for line in sys.stdin) if args.question == "-" else [args.question]
    )
    for question in questions:
        if args.json:
            print(json.dumps(ask_json(understander, library, question), ensure_ascii=False), flush=True)
        else:
            print(reply_text(understander, library, question), flush=True)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from stridecoach.content import load_library
    from stridecoach.content.evaluation import evaluate_file, format_report
    from stridecoach.content.understanding import KnowledgeError, build_understander, default_understander
    from stridecoach.content.understanding.fitting import Report

    library = load_library()
    if args.cv:
        from stridecoach.content.loader import DATA_DIR
        from stridecoach.content.understanding.fitting import FOLDS, cross_validate, held_out_signals

        knowledge = default_understander().knowledge
        print(f"cross-validated: {len({x.source for x in knowledge.labelled})} files in {DATA_DIR / 'examples'} dealt"
              f" into {FOLDS} folds (a file is never split); each fold held out in turn, thresholds fitted on the others")
        print(format_report(cross_validate(held_out_signals(library, knowledge)), misses=not args.quiet))
    if not args.files and not args.cv:
        print("Name labelled .jsonl files to score, or pass --cv.", file=sys.stderr)
        return 2
    understander = build_understander(library)
    together = Report()
    for path in args.files:
        try:
            report = evaluate_file(understander, library, path)
        except FileNotFoundError:
            print(f"No such file: {path}", file=sys.stderr)
            return 2
        except KnowledgeError as exc:
            print(f"{path} is not a labelled question file ({exc}).", file=sys.stderr)
            print('Expected one JSON object per line: {"q": ..., "ids": [...], "kind": ...}', file=sys.stderr)
            return 2
        print(f"== {path}")
        print(format_report(report, misses=not args.quiet))
        together.absorb(report)
    if len(args.files) > 1:
        # Each file was scored on its own (a line's context is the line before it in its
        # file); the figures over all of them are these counts summed.
        print(f"== all {len(args.files)} files together")
        print(format_report(together, misses=False))
    return 0


def _fit(_args: argparse.Namespace) -> int:
    from stridecoach.content import load_library
    from stridecoach.content.evaluation import format_report
    from stridecoach.content.loader import DATA_DIR
    from stridecoach.content.understanding import FITTED_FILE, data_fingerprint
    from stridecoach.content.understanding.fitting import cross_validate, fit_params, held_out_signals, write_fitted
    from stridecoach.content.understanding.knowledge import UNDERSTANDING_DIR, load_knowledge

    library = load_library()
    knowledge = load_knowledge(DATA_DIR, library)
    held = held_out_signals(library, knowledge)
    params = fit_params(held)
    report = cross_validate(held)
    path = DATA_DIR / UNDERSTANDING_DIR / FITTED_FILE
    write_fitted(path, params, data_fingerprint(DATA_DIR), report)
    print(f"wrote {path}: {params}")
    print(format_report(report, misses=False))
    return 0


def _train(_args: argparse.Namespace) -> int:
    from stridecoach.content.understanding import default_understander
    from stridecoach.content.understanding.artefact import path_for

    understander = default_understander()
    # Saved models that are current are loaded without reading the labelled lines.
    labelled = understander.knowledge.labelled
    done = f"trained on {len(labelled)} labelled lines and the content" if labelled else "the saved models are current"
    print(f"{done}; saved models: {path_for(understander.fingerprint) or 'caching is off'}")
    return 0


def _check_content(_args: argparse.Namespace) -> int:
    from stridecoach.content import ContentError, load_library
    from stridecoach.content.loader import DATA_DIR
    from stridecoach.content.understanding import FITTED_FILE, KnowledgeError, data_fingerprint
    from stridecoach.content.understanding.fitting import read_fingerprint
    from stridecoach.content.understanding.knowledge import UNDERSTANDING_DIR, load_knowledge

    try:
        library = load_library()
        knowledge = load_knowledge(DATA_DIR, library)
    except (ContentError, KnowledgeError) as exc:
        print(f"Content error: {exc}", file=sys.stderr)
        return 1
    if read_fingerprint(DATA_DIR / UNDERSTANDING_DIR / FITTED_FILE) != data_fingerprint(DATA_DIR):
        print("Note: the content changed since `stridecoach fit`; run it to refit the thresholds.")
    print(f"Knowledge OK: {len(knowledge.intents)} intents, {len(knowledge.controls)} session controls, "
          f"{sum(map(len, knowledge.red_flags.values()))} red-flag examples, {len(knowledge.labelled)} labelled lines.")
    print(
        f"Content OK: {len(library.exercises)} exercises, {len(library.topics)} topics, "
        f"{len(library.routines)} routines."
    )
    for routine in library.routines.values():
        sets = sum(step.sets for step in routine.steps)
        print(f"  {routine.id}: {len(routine.steps)} exercises, {sets} sets")
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    """The schema brought to the newest revision (`stridecoach run` runs this in a child
    process when it finds the schema behind, so that it never loads Alembic itself)."""
    import logging

    from stridecoach.bot.logging_setup import configure_logging
    from stridecoach.bot.settings import Settings
    from stridecoach.storage.db import Database

    settings = Settings()
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    configure_logging(settings.log_level, settings.log_format, secrets=[token] if len(token) >= 8 else [])
    log = logging.getLogger("stridecoach.migrate")
    try:
        db = Database(settings.database_url, settings.database_options())
        try:
            revision = db.migrate()
        finally:
            db.close()
    except Exception:  # logged through the redacting handler, not a raw traceback
        log.exception("the database schema could not be upgraded")
        return 1
    log.info("database schema at revision %s", revision)
    return 0


def _stats(_args: argparse.Namespace) -> int:
    from stridecoach.bot.settings import Settings
    from stridecoach.storage.db import Database
    from stridecoach.storage.stats import collect_stats, format_stats

    settings = Settings()
    db = Database(settings.database_url, settings.database_options())
    db.migrate()
    with db.session() as session:
        print(format_stats(collect_stats(session)))
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
