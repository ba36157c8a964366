"""`python -m sorm.proofs_check`: run the verification report (same as `sorm verify`)."""
import sys

from .cli import main

sys.exit(main(["verify", *sys.argv[1:]]))
