"""Where the bot's start-up memory goes: RSS after each group of imports, in a fresh interpreter.

Usage: .venv/bin/python benchmarks/import_memory.py [--packages 25]

What runs: a new Python process (this script runs itself again with `--steps`, with the
interpreter flags of the Dockerfile's CMD and the .pyc files compiled as the image has them:
benchmarks/image_process.py) that
imports what `python -m stridecoach run` imports, one group at a time, in the order
that makes each group's figure its own (NumPy before what imports it, pydantic before
SQLModel...), then builds what the serving process builds: the content, the
understanding step (the knowledge read from content/data without the labelled lines,
which only training reads, then the saved models loaded from STRIDECOACH_MODEL_CACHE,
as a deployed image has them), the services on a database at the newest revision, the
Application; last, what a first start adds when it migrates a new database (Alembic,
Mako). After each step it reads VmRSS, RssAnon and RssFile from /proc/self/status (Linux).

Then a second fresh process imports everything the bot imports in one go, with an
import hook that charges each module the RSS its own body added (the modules it
imports charged to themselves), and prints the packages that cost the most.

Printed: the settings, one line per step (RSS after it, what it added, anonymous and
file-backed), the packages, and the last line one JSON object. Nothing here changes
what the bot does; the understanding step is measured, not changed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (label, statements): run in order in one interpreter, figures after each.
STEPS: tuple[tuple[str, str], ...] = (
    ("the interpreter", ""),
    ("NumPy (with its OpenBLAS library)", "import numpy"),
    ("pydantic", "import pydantic"),
    # Not the PostgreSQL dialect: a process on SQLite never loads it (storage/models.py).
    ("SQLAlchemy (core, ORM, the SQLite dialect) and SQLModel",
     "import sqlalchemy.orm, sqlalchemy.dialects.sqlite, sqlmodel"),
    ("python-dotenv (the settings' .env file)", "import dotenv"),
    ("httpx and ssl (PTB's HTTP client)", "import httpx, ssl"),
    ("python-telegram-bot: telegram (every Bot API type)", "import telegram"),
    ("python-telegram-bot: telegram.ext (with tornado, APScheduler)", "import telegram.ext"),
    ("rapidfuzz", "import rapidfuzz.process, rapidfuzz.fuzz"),
    ("our modules (stridecoach.bot.serve and all it imports)", "from stridecoach.bot.serve import serve"),
    ("the content library loaded", "from stridecoach.content.loader import default_library; library = default_library()"),
    # As the serving process reads it: without the labelled lines, which only training reads.
    ("the understanding step's knowledge (content/data/understanding, no labelled lines)",
     "from stridecoach.content.loader import DATA_DIR\n"
     "from stridecoach.content.understanding import data_fingerprint, artefact\n"
     "from stridecoach.content.understanding.knowledge import load_knowledge\n"
     "knowledge = load_knowledge(DATA_DIR, library, labelled=False)"),
    ("the understanding step's saved models loaded (int16 weights, hashed feature index, known words)",
     "models = artefact.load(artefact.path_for(data_fingerprint(DATA_DIR)), knowledge.vocabulary)\n"
     "assert models is not None, 'no saved models: run stridecoach train with the same STRIDECOACH_MODEL_CACHE'"),
    # The two loads above again, as the bot does them (the same library object, so the
    # services below reuse this understander): what this adds is what the understander
    # builds beyond them, and what freeing and loading again leaves behind.
    ("the understander built (the two loads again, then what it adds)",
     "del knowledge, models\n"
     "from stridecoach.content.understanding import build_understander\n"
     "understander = build_understander(library)"),
    ("the services, on a database at the newest revision (the understander above reused)",
     "from stridecoach.bot.runtime import build_services\n"
     "from stridecoach.bot.settings import Settings\n"
     "services = build_services(Settings(_env_file=None, database_url=CURRENT_DB))"),
    ("the Application built", "from stridecoach.bot.app import build_application\n"
     "application = build_application(services)"),
    ("a first start's migration of a new database (Alembic, Mako)",
     "from stridecoach.storage.db import Database\n"
     "fresh = Database(NEW_DB); fresh.migrate(); fresh.close()"),
)


def status() -> dict[str, float]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile"):
            fields[name] = int(value.split()[0]) / 1024
    return fields


def run_steps(folder: str) -> None:
    """In the fresh interpreter: each step, then one JSON line of figures per step."""
    current = f"sqlite:///{folder}/current.db"
    # Migrated in a child process: Alembic must not be in this one before its own step.
    subprocess.run([sys.executable, "-c", f"from stridecoach.storage.db import Database; "
                                          f"Database({current!r}).migrate()"], check=True)
    namespace: dict[str, object] = {"CURRENT_DB": current, "NEW_DB": f"sqlite:///{folder}/new.db"}
    before = status()
    for label, code in STEPS:
        exec(code, namespace)
        now = status()
        print(json.dumps({"step": label, "rss": now["VmRSS"], "added": now["VmRSS"] - before["VmRSS"],
                          "anon": now["RssAnon"] - before["RssAnon"], "files": now["RssFile"] - before["RssFile"],
                          "modules": len(sys.modules)}), flush=True)
        before = now


def run_packages(count: int) -> None:
    """In the fresh interpreter: import the bot once, charging each module its own body's RSS."""
    import collections
    import importlib.abc

    def rss() -> float:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    own: collections.Counter[str] = collections.Counter()
    stack: list[float] = []

    class Charging(importlib.abc.Loader):
        def __init__(self, inner: importlib.abc.Loader) -> None:
            self.inner = inner

        def create_module(self, spec):  # type: ignore[no-untyped-def]
            return self.inner.create_module(spec)

        def exec_module(self, module):  # type: ignore[no-untyped-def]
            start = rss()
            stack.append(0.0)
            try:
                self.inner.exec_module(module)
            finally:
                children, total = stack.pop(), rss() - start
                parts = module.__name__.split(".")
                own[".".join(parts[:2]) if parts[0] == "stridecoach" else parts[0]] += total - children
                if stack:
                    stack[-1] += total

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):  # type: ignore[no-untyped-def]
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                        spec.loader = Charging(spec.loader)
                    return spec
            return None

    sys.meta_path.insert(0, Finder())
    start = rss()
    from stridecoach.bot.serve import serve  # noqa: F401

    print(json.dumps({"total": rss() - start, "modules": len(sys.modules),
                      "packages": own.most_common(count)}), flush=True)


def child(*args: str) -> list[dict[str, object]]:
    # Imported here, not at the top: the fresh interpreters measured must not load it (hashlib).
    from image_process import bytecode_as_the_image, image_command  # benchmarks/

    flags, _ = image_command()
    env = {**os.environ, "PYTHONPATH": str(ROOT), **bytecode_as_the_image(flags)}
    done = subprocess.run([sys.executable, *flags, __file__, *args], env=env, check=True,
                          capture_output=True, text=True)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    # No docstring under -OO, as this script runs itself again with the image's flags.
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--packages", type=int, default=25, help="how many packages to list")
    parser.add_argument("--steps", metavar="FOLDER", help=argparse.SUPPRESS)
    parser.add_argument("--charge", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.steps:
        run_steps(args.steps)
        return
    if args.charge:
        run_packages(args.charge)
        return
    from image_process import image_command  # benchmarks/

    cache = os.environ.get("STRIDECOACH_MODEL_CACHE", "(default)")
    print(f"settings: a fresh interpreter per part, {sys.version.split()[0]} with the flags of the image's CMD "
          f"({' '.join(image_command()[0]) or 'none'}; .pyc files as the image has them), "
          f"STRIDECOACH_MODEL_CACHE={cache}; "
          f"load average {os.getloadavg()[0]:.1f}")
    # As a deployed image has them: the models trained once, the bot loads them.
    subprocess.run([sys.executable, "-m", "stridecoach", "train"], env={**os.environ, "PYTHONPATH": str(ROOT)},
                   check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as folder:
        steps = child("--steps", folder)
    print(f"{'step':<86} {'RSS':>7} {'added':>7} {'anon':>6} {'files':>6}")
    for step in steps:
        print(f"{step['step']:<86} {step['rss']:7.1f} {step['added']:+7.1f} {step['anon']:+6.1f} "
              f"{step['files']:+6.1f}")
    [charged] = child("--charge", str(args.packages))
    print(f"importing the bot at once: +{charged['total']:.1f} MB, {charged['modules']} modules; "
          f"by package (each module's own body, what it imports charged to that):")
    for package, mb in charged["packages"]:
        print(f"  {mb:6.1f} MB  {package}")
    print(json.dumps({"steps": {s["step"]: round(float(s["added"]), 1) for s in steps},  # type: ignore[arg-type]
                      "rss_after_application_mb": round(float(steps[-2]["rss"]), 1),  # type: ignore[arg-type]
                      "packages": {p: round(mb, 1) for p, mb in charged["packages"]}}))


if __name__ == "__main__":
    main()
