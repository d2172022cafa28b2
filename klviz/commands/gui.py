"""``klviz`` (no command): open the window, on a preset, a session, a CSV table or weights.

Input is read and checked before Qt is even imported, so bad input ends with
``klviz: error: ...`` (exit 2) and never opens a window.
"""

from __future__ import annotations

import argparse

from klviz.commands.inputs import add_input_arguments, resolve_inputs

HELP = (
    "Open the klviz window: drag the bars of P and Q and watch entropy, cross-entropy and "
    "KL divergence react. Without input it shows the preset you looked at last."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """FILE, plus the shared input options (--preset, --session, --p, --q, --p-file, --q-file)."""
    parser.add_argument(
        "file", nargs="?", metavar="FILE",
        help="a saved session (*.klviz.json) or a CSV table of p (and q) to open",
    )
    add_input_arguments(parser, session=True)


def _route_file(args: argparse.Namespace) -> None:
    """Treat FILE as --p-file (a .csv) or --session (anything else)."""
    if args.file is None:
        return
    option = "p_file" if args.file.lower().endswith(".csv") else "session"
    if getattr(args, option) is not None:
        flag = "--" + option.replace("_", "-")
        raise ValueError(f"FILE ({args.file}) and {flag} cannot both be given")
    setattr(args, option, args.file)


def _document(args: argparse.Namespace) -> str | None:
    """The file that alone gives P and Q (a session or a CSV table): the window opens it as
    its document, and Save writes back to a session file."""
    if args.q is not None or args.q_file is not None:
        return None
    return args.session if args.session is not None else args.p_file


def run(args: argparse.Namespace) -> int:
    """Check the input, then open the window (offering to recover an autosave a crashed klviz
    left) and run until it closes."""
    _route_file(args)
    from klviz.ui.settings import remembered_preset  # Qt from here on

    inputs = resolve_inputs(args, default_preset=remembered_preset(), require_q=False)
    units = None
    if args.session is not None:
        from klviz.session import load_session

        units = load_session(args.session).units

    from klviz.app import ensure_app, show_window

    app = ensure_app()
    window = show_window(
        inputs.p, inputs.q, x=inputs.x, labels=inputs.labels, preset=inputs.preset,
        block=False, notes=inputs.notes,
    )
    if units is not None:
        window.model.set_units(units)
    document = _document(args)
    if document is not None:
        window.documents.open(document)
    window.documents.offer_recovery()
    return int(app.exec())
