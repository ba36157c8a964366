"""One module per `sorm` subcommand: HELP, add_arguments(parser), run(args) -> int."""
