"""The house rules of the package, read from its import graph (imports inside functions count, those under
``if TYPE_CHECKING`` do not):
no import cycle; the core never imports bot.web or bot.evals; bot.evals never imports bot.web; modules stay short."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.config import ROOT

PACKAGE = ROOT / "bot"
MAX_LINES = 500


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Every bot.* module ``path`` imports, at the top or inside a function."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(block.test) for n in ast.walk(block)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("bot")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("bot"):
                continue
            modules = [f"{target}.{alias.name}" for alias in node.names  # "from . import x" may name modules
                       if (PACKAGE.parent / f"{target}.{alias.name}".replace(".", "/")).with_suffix(".py").exists()]
            found |= set(modules) if modules and len(modules) == len(node.names) else {target, *modules}
    return found - {name}


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {m: {i for i in imports(p) if i in modules} for m, p in modules.items()}


def layer(module: str) -> str:
    for sub in ("bot.web", "bot.evals"):
        if module == sub or module.startswith(sub + "."):
            return sub
    return "core"


def test_no_import_cycle() -> None:
    g = graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in sorted(g[m]):
            if state.get(n) == 1:
                cycles.append(path[path.index(n):] + [n] if n in path else [m, n])
            elif n not in state:
                visit(n, path + [n])
        state[m] = 2

    for m in sorted(g):
        if m not in state:
            visit(m, [m])
    assert not cycles, f"import cycles: {cycles}"


def test_layers_hold() -> None:
    allowed = {"core": {"core"}, "bot.evals": {"core", "bot.evals"}, "bot.web": {"core", "bot.evals", "bot.web"}}
    wrong = [(m, i) for m, deps in graph().items() for i in deps
             if m not in ("bot.cli", "bot.__main__") and layer(i) not in allowed[layer(m)]]
    assert not wrong, f"imports across layers: {wrong}"


def test_modules_are_short_and_app_is_thin() -> None:
    long = {module_name(p): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"
    assert len((ROOT / "app.py").read_text().splitlines()) <= 10


def test_the_checker_sees_a_cycle() -> None:
    """The graph reader itself: a relative import inside a function is an edge."""
    g = graph()
    assert "bot.errors" in g["bot.build"]
    assert "bot.web.api" in g["bot.web.app"]
