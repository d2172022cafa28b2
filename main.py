"""Run klviz from a source checkout: ``python main.py`` is the same as ``klviz``."""

import sys

from klviz.cli import main

if __name__ == "__main__":
    sys.exit(main())
