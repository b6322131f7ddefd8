"""``python -m hcsp_engage.bench`` (a contract command) runs the benchmark, which lives in
benchmarks/bench.py outside the runtime package."""

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    runpy.run_module("benchmarks.bench", run_name="__main__", alter_sys=True)
