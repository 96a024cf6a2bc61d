"""`python -m tools.bench_policies`: the command; the benchmark lives in tools/bench/policies.py."""

import sys

from tools.bench.policies import main

if __name__ == "__main__":
    sys.exit(main())
