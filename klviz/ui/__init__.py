"""The window's views: bar editors, pointwise curves, readouts, menus (PySide6 + pyqtgraph).

PySide6 is imported here, before any view module imports pyqtgraph, so pyqtgraph always binds
to PySide6 even when another Qt binding is installed.
"""

import PySide6.QtCore  # noqa: F401
