"""The plain-Python core stays free of Telegram, so it can be tested and reused without it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _python_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


@pytest.mark.parametrize("path", _python_files("content", "storage", "bot/core"), ids=str)
def test_core_never_imports_telegram(path: Path) -> None:
    imported = _imported_modules(path)
    assert not any(name == "telegram" or name.startswith("telegram.") for name in imported)


@pytest.mark.parametrize("path", _python_files("content"), ids=str)
def test_content_never_imports_storage_or_the_shell(path: Path) -> None:
    imported = _imported_modules(path)
    assert not any(name.split(".")[0] in {"storage", "bot"} for name in imported)


@pytest.mark.parametrize("path", _python_files("storage"), ids=str)
def test_storage_never_imports_the_shell(path: Path) -> None:
    # The plain-Python core (bot.core: state machine, schedule arithmetic) is fair game.
    shell = [n for n in _imported_modules(path) if n.split(".")[0] == "bot" and not n.startswith("bot.core")]
    assert not shell
