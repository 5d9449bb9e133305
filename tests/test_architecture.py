"""Dependencies point one way, checked on the import graph of the installed namespace.

    stridecoach.bot (Telegram shell)  ->  stridecoach.domain  ->  stridecoach.content
            |                                                        ^
            +------------------->  stridecoach.storage  --------------+

The shell may import everything; storage may use the domain's plain types and the
content model; the domain may read the content model; content imports none of them.
Nobody but the shell imports Telegram, and there are no import cycles.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Where each part of the namespace lives in the repository (pyproject's package-dir).
FOLDERS = {"bot": "bot", "domain": "domain", "content": "content", "storage": "storage"}
# Which other parts each part may import.
ALLOWED = {
    "bot": {"domain", "content", "storage"},
    "storage": {"domain", "content"},
    "domain": {"content"},
    "content": set(),
}


def _module_name(path: Path) -> str:
    part = path.relative_to(ROOT).parts[0]
    rest = path.relative_to(ROOT / part).with_suffix("").parts
    if rest[-1] == "__init__":
        rest = rest[:-1]
    return ".".join(("stridecoach", part, *rest))


@cache
def _tree(path: Path) -> ast.Module:
    """Each file parsed once per test process (the checks below walk every file)."""
    return ast.parse(path.read_text(encoding="utf-8"))


def _imports(path: Path, modules: frozenset[str] = frozenset()) -> set[str]:
    """Every module `path` imports, at the top or inside a function (both run)."""
    tree = _tree(path)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from package import module` imports the module; the package is its parent
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & modules
            names.update(submodules or {node.module})
    return names


def _graph() -> dict[str, set[str]]:
    files = [p for folder in FOLDERS.values() for p in sorted((ROOT / folder).rglob("*.py"))]
    paths = {_module_name(p): p for p in files}
    modules = frozenset(paths)
    return {name: _imports(path, modules) & modules for name, path in paths.items()}


def _part(module: str) -> str:
    return module.split(".")[1]


GRAPH = _graph()


def test_the_graph_covers_every_part() -> None:
    assert {_part(m) for m in GRAPH} == set(FOLDERS)
    assert len(GRAPH) > 50


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_one_way(module: str) -> None:
    part = _part(module)
    wrong = sorted(m for m in GRAPH[module] if _part(m) != part and _part(m) not in ALLOWED[part])
    assert not wrong, f"{module} ({part}) may not import {wrong}"


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _part(m) != "bot"))
def test_only_the_shell_imports_telegram(module: str) -> None:
    imported = _imports(_module_path(module))
    assert not any(n == "telegram" or n.startswith("telegram.") for n in imported)


def _module_path(module: str) -> Path:
    part, *rest = module.split(".")[1:]
    base = ROOT / FOLDERS[part]
    candidate = base.joinpath(*rest).with_suffix(".py")
    return candidate if candidate.exists() else base.joinpath(*rest, "__init__.py")


def test_no_import_cycles() -> None:
    # Tarjan's algorithm would name every cycle; a depth-first search naming the first is enough.
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(GRAPH):
        if node not in state and (cycle := visit(node)):
            pytest.fail("import cycle: " + " -> ".join(cycle))


def test_no_source_uses_the_old_top_level_names() -> None:
    # From the repository root `import bot` would still work and load a second copy.
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for folder in (*FOLDERS.values(), "stridecoach", "tests", "benchmarks")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] in FOLDERS
    ]
    assert not offenders


# ------------------------------------------------------------------ spelled in one place
#
# Each rule below has one home; a second spelling elsewhere drifts from it (the zone
# of /progress once differed from the zone of the reminders).
ONE_PLACE = {
    # a stored zone -> tzinfo: domain.timezones.stored_zone (zone_from_name is its strict
    # parser, which storage also uses to refuse an unknown zone before storing it)
    "ZoneInfo": {"domain/timezones.py"},
    "zone_from_name": {"domain/timezones.py", "storage/schedules.py"},
    # insert-or-ignore: storage.db.insert_ignore_statement / insert_ignore
    "on_conflict_do_nothing": {"storage/db.py"},
    # removing a message's buttons: bot.handlers.common.strip_buttons
    "edit_message_reply_markup": {"bot/handlers/common.py", "bot/handlers/reminders.py"},
}


def _calls_and_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


@pytest.mark.parametrize("name", sorted(ONE_PLACE))
def test_each_rule_is_spelled_in_one_place(name: str) -> None:
    users = {
        str(path.relative_to(ROOT))
        for folder in FOLDERS.values()
        for path in sorted((ROOT / folder).rglob("*.py"))
        if name in _calls_and_names(path)
    }
    assert users <= ONE_PLACE[name], f"{name} used outside its home: {sorted(users - ONE_PLACE[name])}"


def test_only_strip_buttons_takes_a_keyboard_away() -> None:
    # reminders.py edits a keyboard into the next one; only common.strip_buttons sets none.
    removals = []
    for folder in FOLDERS.values():
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(_tree(path)):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("edit_message_reply_markup", "edit_reply_markup")
                    and any(isinstance(k.value, ast.Constant) and k.value.value is None for k in node.keywords)
                ):
                    removals.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert removals == [f"bot/handlers/common.py:{_strip_buttons_line()}"]


def _strip_buttons_line() -> int:
    tree = _tree(ROOT / "bot/handlers/common.py")
    [func] = [n for n in tree.body if isinstance(n, ast.AsyncFunctionDef) and n.name == "strip_buttons"]
    [call] = [
        n for n in ast.walk(func)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "edit_message_reply_markup"
    ]
    return call.lineno
