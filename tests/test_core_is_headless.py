"""klviz.core and the headless CLI commands must never import Qt or pyqtgraph."""

from __future__ import annotations

import subprocess
import sys

import pytest

QT_MODULES = ("PySide6", "pyqtgraph", "shiboken6", "PyQt5", "PyQt6")


def _modules_after(code: str) -> set[str]:
    script = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


@pytest.mark.parametrize(
    "code",
    [
        "import klviz.core, klviz.core.divergence, klviz.core.distributions",
        "import klviz.core.families, klviz.core.optimize",
        "from klviz.cli import main; main(['stats', '--p', '0.99,0.01', '--q', '0.5,0.5'])",
        "from klviz.cli import main; main(['fit', '--preset', 'bimodal', '--steps', '5'])",
    ],
)
def test_no_qt_import(code: str) -> None:
    loaded = _modules_after(code)
    leaked = sorted(m for m in loaded if m.split(".")[0] in QT_MODULES)
    assert not leaked, f"Qt leaked into a headless path: {leaked[:5]}"
