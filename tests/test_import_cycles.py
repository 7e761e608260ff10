"""No import cycle inside the mlops package.

An edge is any import: at module level and inside functions alike (an import deferred for
start-up time still ties the two modules together), and under ``if TYPE_CHECKING:`` too (an
annotation is a dependency: a circle of them is a circle of modules that cannot be understood,
tested or moved one at a time). A ``from package import name`` is an edge to ``package.name``
when that is a module, else to ``package``. DESIGN.md's dependency direction is the rule the
runner keeps: job state below the steps and backends that use it, the job runner above them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import mlops

ROOT = Path(mlops.__file__).parent


def module_name(path: Path) -> str:
    parts = ["mlops", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in ROOT.rglob("*.py") if "templates" not in p.parts}


def _imports(node: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)]


def edges(name: str, path: Path, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, *([base] if base else [])])
        for alias in node.names:
            candidate = f"{base}.{alias.name}"
            targets.add(candidate if candidate in known else base)
    return {t for t in targets if t in known and t != name}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycle_inside_mlops() -> None:
    found = modules()
    graph = {name: edges(name, path, set(found)) for name, path in found.items()}
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_checker_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_an_import_for_annotations_only_is_an_edge(tmp_path: Path) -> None:
    module = tmp_path / "a.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from mlops.b import B\n"
        "def f():\n    import mlops.c\n"
    )
    assert edges("mlops.a", module, {"mlops.a", "mlops.b", "mlops.c"}) == {"mlops.b", "mlops.c"}
