"""The bot's process as the image runs it, for the memory benchmarks (idle_memory.py, import_memory.py).

`image_command()` reads the Dockerfile's CMD: its interpreter flags (`-X no_debug_ranges
-OO` now) and the module's arguments. `bytecode_as_the_image(flags)` returns the
environment under which this interpreter finds `.pyc` files compiled as the image build
compiles them (the standard library, the site-packages and our package, at the CMD's
optimization level and with its `-X` options): compiled once into a folder of their own
(PYTHONPYCACHEPREFIX, under the virtualenv), so that neither the `.pyc` files other runs
wrote beside the sources nor compiling from source at each start (the image sets
PYTHONDONTWRITEBYTECODE=1) changes what is measured.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_FOLDERS = ("stridecoach", "bot", "domain", "content", "storage")


def image_command() -> tuple[list[str], list[str]]:
    """The Dockerfile's CMD as (interpreter flags, arguments after `-m`)."""
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    cmd = json.loads([line for line in lines if line.startswith("CMD ")][-1][len("CMD "):])
    if cmd[0] != "python" or "-m" not in cmd:
        raise SystemExit(f"the Dockerfile's CMD is not `python [flags] -m module ...`: {cmd}")
    at = cmd.index("-m")
    return cmd[1:at], cmd[at + 1:]


def image_compile_exclusions() -> str:
    """One `compileall -x` pattern: every folder name the Dockerfile's compileall runs exclude."""
    patterns = re.findall(r"-x '/\(([^)]*)\)/'", (ROOT / "Dockerfile").read_text())
    if not patterns:
        raise SystemExit("the Dockerfile's compileall runs have no `-x '/(name|...)/'` exclusion")
    names = sorted({name for pattern in patterns for name in pattern.split("|")})
    return "/(" + "|".join(names) + ")/"


def bytecode_as_the_image(flags: list[str]) -> dict[str, str]:
    """Environment variables for a process run with `flags`: its .pyc files compiled as in the image."""
    key = hashlib.sha256(" ".join([sys.version, *flags]).encode()).hexdigest()[:12]
    prefix = Path(sys.prefix) / "pycache-as-the-image" / key
    env = {"PYTHONPYCACHEPREFIX": str(prefix), "PYTHONDONTWRITEBYTECODE": "1"}
    level = 2 if "-OO" in flags else 1 if "-O" in flags else 0
    options = [flag for index, flag in enumerate(flags) if flag == "-X" or (index and flags[index - 1] == "-X")]
    folders = [sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"],
               *(str(ROOT / name) for name in PACKAGE_FOLDERS)]
    # Up-to-date files are skipped: only the first run (or a changed module) compiles.
    # check=False: a package's test data that does not compile is no concern of the bot's.
    subprocess.run([sys.executable, *options, "-m", "compileall", "-q", "-j", "2", "-o", str(level),
                    "-x", image_compile_exclusions(), *folders],
                   env={**os.environ, "PYTHONPYCACHEPREFIX": str(prefix)},
                   check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return env
