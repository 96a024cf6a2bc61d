"""`python -m tools.bench_site`: the command; the benchmark lives in tools/bench/site.py."""

import sys

from tools.bench.site import main

if __name__ == "__main__":
    sys.exit(main())
