#!/usr/bin/env python3
"""Whole-process CSV load, side by side: `ats data inspect FILE` against pandas.read_csv (C
engine, Debian's python3-pandas) on the same Binance kline file, each run 5 times alternately;
the median wall time of each goes to OUT as Google Benchmark JSON for scripts/bench-table.py.

Usage: csv-vs-pandas.py ATS FILE OUT.json"""
import json
import statistics
import subprocess
import sys
import time


def wall(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1e3


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    ats, path, out = sys.argv[1:]
    pandas = ["/usr/bin/python3", "-c",
              "import sys, pandas; df = pandas.read_csv(sys.argv[1], header=None, engine='c'); "
              "assert len(df) > 0", path]
    try:
        subprocess.run(pandas[:2] + ["import pandas"], check=True)
    except (OSError, subprocess.CalledProcessError):
        print("csv-vs-pandas: Debian's python3-pandas is missing (apt-get install python3-pandas)",
              file=sys.stderr)
        return
    ours, theirs = [], []
    for _ in range(5):
        ours.append(wall([ats, "data", "inspect", path]))
        theirs.append(wall(pandas))
    rows = sum(1 for _ in open(path))
    bench = [{"name": "CSV_Process_Ats", "run_type": "iteration", "real_time": statistics.median(ours),
              "time_unit": "ms", "rows_per_s": rows / statistics.median(ours) * 1e3},
             {"name": "CSV_Process_Pandas", "run_type": "iteration",
              "real_time": statistics.median(theirs), "time_unit": "ms",
              "rows_per_s": rows / statistics.median(theirs) * 1e3}]
    json.dump({"benchmarks": bench}, open(out, "w"), indent=1)
    print(f"csv: ats {statistics.median(ours):.0f} ms, pandas {statistics.median(theirs):.0f} ms "
          f"({rows} rows)", file=sys.stderr)


if __name__ == "__main__":
    main()
