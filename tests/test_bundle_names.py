"""The PyInstaller bundle's two programs must not differ only by letter case: on Windows
``huifang.exe`` and ``HuiFang.exe`` are the same file, one overwrites the other (issue 11 item 11).
.ci/run checks the built folder as well."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _spec_names() -> dict[str, str]:
    """``EXE(..., name=..., console=...)`` calls of build.spec → {name: "console"|"window"}."""
    tree = ast.parse((ROOT / "build.spec").read_text(encoding="utf-8"))
    constants = {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
    }
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "EXE":
            kw = {k.arg: k.value for k in node.keywords}
            name = kw["name"]
            name = name.value if isinstance(name, ast.Constant) else constants[name.id]
            names[name] = "console" if kw["console"].value else "window"
    return names


def test_the_two_programs_differ_beyond_letter_case():
    names = _spec_names()
    assert len(names) == 2
    assert len({n.lower() for n in names}) == len(names), names


def test_window_program_is_huifang_and_the_command_line_is_huifang_cli():
    assert _spec_names() == {"HuiFang": "window", "huifang-cli": "console"}


def test_ci_runs_the_renamed_cli_and_checks_the_bundle_for_case_clashes():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "dist/huifang/huifang " not in ci
    assert "dist/huifang/huifang-cli selftest" in ci
    assert "uniq -d" in ci


def test_readme_names_the_windows_programs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "huifang-cli.exe" in readme and "`huifang.exe`" not in readme
