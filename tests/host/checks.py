"""The host's Python tests print one "PASS|FAIL <prefix>::<name>" line per check (scripts/check.sh
counts them) and exit non-zero if any failed."""
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Checks:
    def __init__(self, prefix):
        self.prefix, self.failures = prefix, 0

    def __call__(self, name, ok, detail=""):
        print(f"{'PASS' if ok else 'FAIL'} {self.prefix}::{name}" + (f"  ({detail})" if detail and not ok else ""))
        self.failures += 0 if ok else 1

    def exit(self):
        sys.exit(1 if self.failures else 0)
