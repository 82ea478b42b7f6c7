"""The code's shape, read with ``ast`` (ARCHITECTURE.md, "Functions"): no function of the package
takes more than 6 parameters, and none is over 60 lines unless its docstring says why, in a
sentence that starts with "Long:"."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "generator"
MAX_PARAMETERS = 6  # self and cls not counted
MAX_LINES = 60  # from the def to the function's last line, its docstring not counted
LONG_REASON = "Long:"


def _functions():
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}", node


def _parameters(node: ast.FunctionDef) -> list[str]:
    arguments = node.args
    names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
    names += [a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return [name for name in names if name not in ("self", "cls")]


def _lines(node: ast.FunctionDef) -> int:
    lines = node.end_lineno - node.lineno + 1
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        lines -= first.end_lineno - first.lineno + 1
    return lines


def test_the_scan_sees_the_package():
    names = {name.split(" ")[1] for name, _ in _functions()}
    assert {"generate_all", "plan_workflow", "build_indexes", "review_answer"} <= names


def test_no_function_takes_more_than_six_parameters():
    over = [f"{name} takes {len(_parameters(node))}" for name, node in _functions()
            if len(_parameters(node)) > MAX_PARAMETERS]
    assert not over, f"more than {MAX_PARAMETERS} parameters (group them in a record): {over}"


def test_no_function_is_over_sixty_lines_without_a_reason():
    over = [f"{name} has {_lines(node)} lines" for name, node in _functions()
            if _lines(node) > MAX_LINES and LONG_REASON not in (ast.get_docstring(node) or "")]
    assert not over, (f"over {MAX_LINES} lines: split into named helpers, or say why in the docstring, "
                      f"in a sentence that starts with {LONG_REASON!r}: {over}")


def test_architecture_lists_every_module():
    """ARCHITECTURE.md's table gives each module's job: a module added without a row fails here."""
    text = (PACKAGE.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    modules = [path.relative_to(PACKAGE).as_posix() for path in sorted(PACKAGE.rglob("*.py"))
               if path.name != "__init__.py"]
    missing = [module for module in modules if f"`{module}`" not in text and f"`generator/{module}`" not in text]
    assert not missing, f"ARCHITECTURE.md has no row for {missing}"
