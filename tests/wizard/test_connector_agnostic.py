"""The wizard belongs to no connector: it imports none, and names one only through its label.

A connector's own setup lives in its package (integrations/roller/setup/ for ROLLER) and
reaches the wizard through its SetupSpec; see tests/wizard/test_generic_wizard.py.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONNECTOR = "roller"


def files(folder: str, suffix: str = "") -> list[Path]:
    found = [
        path
        for path in (ROOT / folder).rglob(f"*{suffix}")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ]
    assert found, folder
    return sorted(found)


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def test_no_wizard_module_imports_a_connector():
    offending = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.startswith("integrations.roller"))
        for path in files("wizard", ".py")
    }
    assert {path: modules for path, modules in offending.items() if modules} == {}


def test_neither_the_wizard_nor_the_templates_name_roller():
    naming = [
        str(path.relative_to(ROOT))
        for folder in ("wizard", "templates")
        for path in files(folder)
        if CONNECTOR in path.read_text(encoding="utf-8", errors="replace").lower()
    ]
    assert naming == []


def test_the_check_finds_what_it_looks_for(tmp_path):
    """The two checks above would pass on nothing: they read real imports and real text."""
    module = tmp_path / "m.py"
    module.write_text("from integrations.roller.models import RollerSettings\nimport integrations.roller\n")
    assert {"integrations.roller.models", "integrations.roller"} <= imported_modules(module)
    assert any(path.name == "services.py" for path in files("wizard", ".py"))
    assert any(path.name == "credentials.html" for path in files("templates"))
