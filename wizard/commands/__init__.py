"""One module per subcommand, each with ``run(args) -> int``.

The CLI imports a command module only when that command runs, so each module
may import what it needs at the top (the TUI command still loads Textual
lazily, because ``runner-wizard`` with no subcommand also parses arguments).
"""
