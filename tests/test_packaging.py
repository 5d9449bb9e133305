"""`pip install .` installs one namespace, `stridecoach.*`, with its data, and runs.

The source folders stay at the top of the repository and are mapped into the namespace
by pyproject's package-dir; these tests build the real wheel (offline, with the
setuptools the test extras install) and run the installed copy, not the checkout.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds and installs the wheel once

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SOURCES = ("stridecoach", "bot", "domain", "content", "storage")


def test_every_source_folder_is_a_listed_package() -> None:
    # A folder missing from the list would be left out of the wheel without a word.
    mapping = PYPROJECT["tool"]["setuptools"]["package-dir"]
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    expected = set()
    for package, folder in mapping.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".toml", ".jsonl"} and "__pycache__" not in path.parts:
                relative = path.parent.relative_to(ROOT / folder).parts
                expected.add(".".join((package, *relative)))
    assert expected <= listed, sorted(expected - listed)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(target), str(source)],
        check=True, capture_output=True, text=True,
    )
    return target


def _run_installed(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # The installed copy comes first on the path, ahead of the checkout's editable finder.
    program = (
        "import runpy, sys; sys.path.insert(0, sys.argv.pop(1)); "
        "import stridecoach; assert stridecoach.__file__.startswith(sys.path[0]), stridecoach.__file__; "
        "sys.argv[0] = 'stridecoach'; runpy.run_module('stridecoach', run_name='__main__')"
    )
    return subprocess.run(
        [sys.executable, "-c", program, str(site), *args], capture_output=True, text=True, cwd=site.parent,
    )


def test_only_the_stridecoach_namespace_lands_in_site_packages(installed: Path) -> None:
    top_level = {p.name for p in installed.iterdir() if not p.name.endswith(".dist-info")}
    assert top_level <= {"stridecoach", "bin"}
    assert not {"bot", "content", "storage", "domain"} & top_level


def test_python_dash_m_stridecoach_works_from_the_install(installed: Path) -> None:
    result = _run_installed(installed, "--help")
    assert result.returncode == 0, result.stderr
    assert "check-content" in result.stdout


def test_the_install_carries_the_content_and_migrations(installed: Path) -> None:
    result = _run_installed(installed, "check-content")
    assert result.returncode == 0, result.stderr
    assert "calf-routine: 7 exercises, 21 sets" in result.stdout
    versions = installed / "stridecoach" / "storage" / "migrations" / "versions"
    assert (versions / "0001_initial_schema.py").exists()
    assert (installed / "stridecoach" / "storage" / "migrations" / "script.py.mako").exists()
