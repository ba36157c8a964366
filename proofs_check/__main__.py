"""`python -m sorm.proofs_check`: run the verification report (same as `sorm verify`); `--version` prints the version."""
import sys

from .cli import main

args = sys.argv[1:]
sys.exit(main(args if args[:1] == ["--version"] else ["verify", *args]))
