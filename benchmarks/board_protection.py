"""How long protecting the Board takes: ``python -m benchmarks.board_protection`` (docs/performance.md,
"Board protection").

For each size, synthetic data (seed 7, the generator's 18 months, half survey responses and half ASB
reports, with the dtypes a store reads them with) is prepared once, then ``board.build`` (every period's tables, one release, protected once) is
timed, with protection alone and the audit timed again on the same release. Prints one line per size
and the load average when it started; ``--profile`` writes a cProfile of one build per size.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import statistics
import time
from pathlib import Path

from hcsp_engage import synthetic
from hcsp_engage.analysis import board
from hcsp_engage.disclosure import NOT_SHOWN
from hcsp_engage.storage.base import with_stored_dtypes

SEED = 7


def _timed(run, repeat: int) -> tuple[float, float, object]:
    """Median wall-clock and CPU seconds of ``repeat`` runs (on a busy shared machine the CPU time is
    the steadier figure), and the last result."""
    seconds, cpu, result = [], [], None
    for _ in range(repeat):
        gc.collect()
        started, started_cpu = time.perf_counter(), time.process_time()
        result = run()
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(seconds), statistics.median(cpu), result


def measure(rows: int, repeat: int, profile: Path | None = None) -> dict:
    tables = synthetic.frames(rows - rows // 2, rows // 2, seed=SEED)
    tables = {name: with_stored_dtypes(name, frame) for name, frame in tables.items()}  # as a store reads
    data = board.prepare(tables)
    build_seconds, build_cpu, built = _timed(lambda: board.build(data), repeat)
    release = built.publication.release
    protect_seconds, protect_cpu, publication = _timed(release.protect, repeat)
    audit_seconds, _, findings = _timed(publication.audit, 1)
    if profile is not None:
        cProfile.runctx("board.build(data)", globals(), {"board": board, "data": data}, str(profile))
    labels = publication.labels.values()
    return {
        "rows": rows,
        "counts": len(release.values),
        "relations": len(release.relations),
        "small": sum(1 for key in release.values if release.sensitive(key)),
        "not_shown": sum(1 for label in labels if label.text == NOT_SHOWN),
        "hidden": sum(1 for label in labels if label.hidden),
        "build_seconds": round(build_seconds, 3),
        "build_cpu_seconds": round(build_cpu, 3),
        "protect_seconds": round(protect_seconds, 3),
        "protect_cpu_seconds": round(protect_cpu, 3),
        "audit_seconds": round(audit_seconds, 3),
        "findings": len(findings),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="60,1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="a folder for one cProfile per size")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    results = []
    for rows in (int(size) for size in args.sizes.split(",") if size):
        profile = None
        if args.profile is not None:
            args.profile.mkdir(parents=True, exist_ok=True)
            profile = args.profile / f"build-{rows}.prof"
        result = measure(rows, args.repeat, profile)
        results.append(result)
        if not args.json:
            print(" ".join(f"{name}={value}" for name, value in result.items()), flush=True)
            if profile is not None:
                pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(25)
    if args.json:
        print(json.dumps({"loadavg": load, "results": results}))
    else:
        print("load average at start:", " ".join(load))


if __name__ == "__main__":
    main()
