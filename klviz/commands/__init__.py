"""Subcommands of the klviz CLI, one module each."""
