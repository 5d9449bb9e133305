"""The `stridecoach` command line (also `python -m bot`).

Each subcommand is a few lines: parse, call the core, print.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

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
    return int(args.func(args) or 0)


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

    evaluate = sub.add_parser("eval", help="score the matcher on a labelled .jsonl file")
    evaluate.add_argument("file")
    evaluate.set_defaults(func=_eval)

    check = sub.add_parser("check-content", help="validate the content files and summarise them")
    check.set_defaults(func=_check_content)

    stats = sub.add_parser("stats", help="runners, schedules, sessions and sets this week")
    stats.set_defaults(func=_stats)
    return parser


def _run(args: argparse.Namespace) -> int:
    from bot.settings import Settings

    settings = Settings()
    if settings.telegram_bot_token is None:
        print(NO_TOKEN_MESSAGE, file=sys.stderr)
        return 2
    from bot.serve import serve

    return serve(settings, webhook=args.webhook)


def _chat(args: argparse.Namespace) -> int:
    from bot.chat import run_chat

    from pathlib import Path

    return run_chat(database_url=args.database, files_dir=Path(args.files) if args.files else None)


def _ask(args: argparse.Namespace) -> int:
    from content import Matcher, load_library
    from content.evaluation import ask_json, reply_text

    library = load_library()
    matcher = Matcher(library)
    questions = (
        (line.rstrip("\n") for line in sys.stdin) if args.question == "-" else [args.question]
    )
    for question in questions:
        if args.json:
            print(json.dumps(ask_json(matcher, library, question), ensure_ascii=False), flush=True)
        else:
            print(reply_text(matcher, library, question), flush=True)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from content import Matcher, load_library
    from content.evaluation import evaluate, format_report

    library = load_library()
    try:
        report = evaluate(Matcher(library), library, args.file)
    except FileNotFoundError:
        print(f"No such file: {args.file}", file=sys.stderr)
        return 2
    except (ValueError, KeyError, TypeError) as exc:
        # A malformed line: json.JSONDecodeError is a ValueError; a missing "q" a KeyError.
        print(f"{args.file} is not a labelled question file ({exc}).", file=sys.stderr)
        print('Expected one JSON object per line: {"q": ..., "ids": [...], "kind": ...}', file=sys.stderr)
        return 2
    print(format_report(report))
    return 0


def _check_content(_args: argparse.Namespace) -> int:
    from content import ContentError, load_library

    try:
        library = load_library()
    except ContentError as exc:
        print(f"Content error: {exc}", file=sys.stderr)
        return 1
    print(
        f"Content OK: {len(library.exercises)} exercises, {len(library.topics)} topics, "
        f"{len(library.routines)} routines."
    )
    for routine in library.routines.values():
        sets = sum(step.sets for step in routine.steps)
        print(f"  {routine.id}: {len(routine.steps)} exercises, {sets} sets")
    return 0


def _stats(_args: argparse.Namespace) -> int:
    from bot.settings import Settings
    from storage.db import Database
    from storage.stats import collect_stats, format_stats

    settings = Settings()
    db = Database(settings.database_url)
    db.migrate()
    with db.session() as session:
        print(format_stats(collect_stats(session)))
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
