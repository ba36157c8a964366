"""`sorm plot` (placeholder until its issue lands)."""
HELP = "(not built yet)"


def add_arguments(p):
    pass


def run(args) -> int:
    from numerics.validate import InputError

    raise InputError("sorm plot is not built yet")
