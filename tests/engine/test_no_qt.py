"""engine/ never imports Qt: checked statically and by importing and running everything headless."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph")


def test_no_engine_file_imports_qt():
    offenders = []
    for path in sorted((ROOT / "engine").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module",
                "__import__",
            ):
                names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            for n in names:
                if n.split(".")[0] in QT_MODULES or n.split(".")[0] == "gui":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {n}")
    assert not offenders, offenders


SCRIPT = """
import importlib, pkgutil, sys, tempfile
import engine
for m in pkgutil.walk_packages(engine.__path__, "engine."):
    importlib.import_module(m.name)
import main
out = tempfile.mkdtemp()
assert main.main(["train", "--epochs", "2", "--out", out]) == 0
assert main.main(["gradcheck", "--hidden", "2"]) == 0
assert main.main(["train", "--hidden", "0"]) == 2
loaded = sorted(n for n in sys.modules if n.split(".")[0] in {qt!r})
print("QT:" + ",".join(loaded))
"""


def test_importing_and_running_the_engine_loads_no_qt():
    r = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(qt=set(QT_MODULES))], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "QT:", r.stdout
