#!/usr/bin/env python3
"""The table of issue 21's speed goals from Google Benchmark JSON files (make bench).

Usage: bench-table.py RESULTS_DIR [--markdown]
Reads every *.json in RESULTS_DIR (Google Benchmark --benchmark_format=json output, repetitions
with aggregates: the median is used) and prints one row per goal: the work, ats's figure, the
anchor's figure (the peer measured in the same run), the ratio, the goal and whether it is met.
A goal whose benchmarks did not run prints as "not run"."""
import json
import pathlib
import sys

UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def load(results_dir):
    runs = {}
    for path in sorted(pathlib.Path(results_dir).glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        for b in data.get("benchmarks", []):
            name = b["name"]
            if b.get("run_type") == "aggregate":
                if b.get("aggregate_name") != "median":
                    continue
                name = name[: -len("_median")]
            elif name in runs:
                continue  # a single run: the first one
            runs[name] = b
    return runs


def find(runs, name):
    """The run named `name`, or the first one whose name continues it with "/" (arguments)."""
    if name in runs:
        return runs[name]
    for key, b in runs.items():
        if key.startswith(name + "/"):
            return b
    return None


def ns(b):
    return b["real_time"] * UNIT_NS[b.get("time_unit", "ns")]


def fmt_time(t):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t:.3g} ns"


def fmt_rate(r):
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if r >= scale:
            return f"{r / scale:.3g}{unit}/s"
    return f"{r:.3g}/s"


# Indicators compared with TA-Lib (34) and Tulip (6), each ours vs theirs on 1M 1-minute bars.
TALIB = ["SMA", "EMA", "WMA", "DEMA", "TEMA", "TRIMA", "KAMA", "RSI", "STOCH", "STOCHF",
         "STOCHRSI", "MACD", "BBANDS", "ATR", "NATR", "TRANGE", "ADX", "ADXR", "PLUS_DI",
         "MINUS_DI", "CCI", "WILLR", "MFI", "OBV", "AD", "ADOSC", "ROC", "MOM", "TRIX", "SAR",
         "AROON", "AROONOSC", "ULTOSC", "STDDEV"]
TULIP = ["SMA", "EMA", "ATR", "BBANDS", "RSI", "MACD"]


def rows(runs):
    out = []

    def versus(work, ours, theirs, anchor, goal_ratio, check):
        a, t = find(runs, ours), find(runs, theirs)
        if a is None or t is None:
            out.append((work, "not run", anchor, "", f">= {goal_ratio}x", "not run", check))
            return
        ratio = ns(t) / ns(a)
        out.append((work, fmt_time(ns(a)), f"{anchor} {fmt_time(ns(t))}", f"{ratio:.2f}x",
                    f">= {goal_ratio}x", "met" if ratio >= goal_ratio else "not met", check))

    def rate(work, name, goal, check, counter="items_per_second", per=None):
        b = find(runs, name)
        if b is None or (per is None and counter not in b):
            out.append((work, "not run", "-", "", f">= {fmt_rate(goal)}", "not run", check))
            return
        r = b[counter] if per is None else per(b)
        out.append((work, fmt_rate(r), "-", "", f">= {fmt_rate(goal)}",
                    "met" if r >= goal else "not met", check))

    for name in TALIB:
        versus(f"{name} (1M bars)", f"BM_Ours_{name}", f"BM_TaLib_{name}", "TA-Lib", 1.0,
               "bit-exact vs TA-Lib goldens (tests/indicators)")
    for name in TULIP:
        versus(f"{name} (1M bars)", f"BM_Ours_{name}", f"BM_Tulip_{name}", "Tulip", 1.0,
               "TA-Lib parity (Tulip differs in warm-up)")
    # Single-row inference: 200 trees of depth 6.
    a = find(runs, "BM_MlPredictOneRow_FlatForest")
    x = find(runs, "BM_MlPredictOneRow_XgboostPredictFromDense")
    if a and x:
        ratio = ns(x) / ns(a)
        met = ns(a) <= 1000 and ratio >= 30
        out.append(("inference, 1 row, 200 trees depth 6", fmt_time(ns(a)),
                    f"XGBoost C API {fmt_time(ns(x))}", f"{ratio:.1f}x", "<= 1 us and >= 30x",
                    "met" if met else "not met", "identical outputs (tests/ml)"))
    else:
        out.append(("inference, 1 row", "not run", "XGBoost", "", "<= 1 us, >= 30x", "not run", ""))
    rate("strategy search, rule genome, 1y of 1h bars", "BM_EvaluateRuleGenome_OneYear1h", 1000,
         "same engine as backtests", per=lambda b: 1e9 / ns(b))
    rate("Binance depth message parse", "BM_DepthUpdate_Parse", 3e6, "tests/binance stream parity")
    rate("local book level updates", "BM_LocalBook_ApplyLevels", 20e6, "book vs bookTicker test")
    rate("journaled paper trading (events; commit every 1024 bars, the default)",
         "BM_Paper_Journaled/1024/0", 400e3, "kill -9 resume tests")
    rate("CSV kline load (rows, 525,600-row file)", "BM_KlineCsv_AtsBulkLoad", 5e6,
         "tests/data", counter="rows_per_s")
    versus("CSV load, whole process (525,600 rows)", "CSV_Process_Ats", "CSV_Process_Pandas",
           "pandas read_csv", 3.0, "same rows (tests/data)")
    rate("backtest, 5M 1m bars (bars)", "BM_Backtest_SmaCross1m_FiveMillionBars", 10e6,
         "backtrader trade-for-trade parity", counter="bars_per_s")
    rate("backtest, two assets 1h (bars)", "BM_Backtest_SmaCross1h_TwoAssets", 10e6,
         "backtrader parity", counter="bars_per_s")
    rate("event bus, events dispatched (batches of 64)", "BM_Bus_EmitDrain/64", 20e6,
         "FIFO order and no allocation (tests/bus)")

    def upto(work, name, goal_ns, check):
        b = find(runs, name)
        if b is None:
            out.append((work, "not run", "-", "", f"<= {fmt_time(goal_ns)}", "not run", check))
            return
        work = f"{work} (n={b['samples']})" if "samples" in b else work
        out.append((work, fmt_time(ns(b)), "-", "", f"<= {fmt_time(goal_ns)}",
                    "met" if ns(b) <= goal_ns else "not met", check))

    # Tick to signed order (ats_tick_to_order_bench --json): the ticks that placed an order.
    signed = "signed bytes = RestClient's (tests/binance signing)"
    upto("tick to signed order, p99", "TickToOrder_Order_p99", 5e3, signed)
    upto("tick to signed order, p99.9", "TickToOrder_Order_p999", 20e3, signed)
    allocations = find(runs, "TickToOrder_Allocations")
    if allocations is not None:
        per_tick, per_order = allocations["per_tick"], allocations["per_order_tick"]
        out.append(("heap allocations in the tick path (per tick / per order tick)",
                     f"{per_tick:.2f} / {per_order:.1f}", "-", "", "0",
                     "met" if per_tick == 0 and per_order == 0 else "not met",
                     "counted by a replaced operator new"))
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    runs = load(sys.argv[1])
    table = rows(runs)
    header = ("work", "ats", "anchor", "ratio", "goal", "", "correctness check")
    if "--markdown" in sys.argv:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for r in table:
            print("| " + " | ".join(r) + " |")
    else:
        widths = [max(len(str(r[i])) for r in table + [header]) for i in range(len(header))]
        for r in [header] + table:
            print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    met = sum(1 for r in table if r[5] == "met")
    ran = sum(1 for r in table if r[5] in ("met", "not met"))
    print(f"\n{met} of {ran} goals met ({len(table) - ran} not run)")


if __name__ == "__main__":
    main()
