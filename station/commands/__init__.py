"""`oasis` subcommands implemented by the station package (each: configure(parser), run(args))."""
