"""`python -m tools.bench_forms`: the command; the benchmark lives in tools/bench/forms.py."""

import sys

from tools.bench.forms import main

if __name__ == "__main__":
    sys.exit(main())
