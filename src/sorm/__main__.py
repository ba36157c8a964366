"""`python -m sorm`: run the verification report (same as `sorm verify`)."""
import sys

from .proofs_check.cli import main

sys.exit(main(["verify", *sys.argv[1:]]))
