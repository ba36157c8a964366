"""`python -m sorm`: run the verification report (same as `sorm verify`); `python -m sorm --version` prints the version."""
import sys

from .proofs_check.cli import main

args = sys.argv[1:]
sys.exit(main(args if args[:1] == ["--version"] else ["verify", *args]))
