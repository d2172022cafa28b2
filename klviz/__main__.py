"""``python -m klviz`` — the same as the ``klviz`` command."""

import sys

from klviz.cli import main

sys.exit(main())
