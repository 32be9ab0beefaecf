#!/usr/bin/env python3
"""Builds the small kline test files in tests/data_files/ from real Binance data.

1. Binance 12-column klines (no header, the layout of data.binance.vision dumps) aggregated from
   real Binance spot trades, exactly as Binance builds klines: open/close = first/last trade,
   high/low = max/min price, volume = sum qty, quote volume = sum price*qty, count = trades,
   taker buy volumes = trades whose buyer was the taker (is_buyer_maker == 0). Written twice:
   open/close time in milliseconds and in microseconds (Binance's 2025+ spot dumps).
2. One UTC day of the bundled BTCUSDT 1m file rewritten in the 9-column positional layout.

Usage: scripts/make-test-klines.py TRADES_CSV SYMBOL  (run from the project root)
Only the standard library is used; numbers are exact decimals.
"""
import csv
import sys
from decimal import Decimal


def fmt(d: Decimal) -> str:
    s = format(d.normalize(), "f")
    return s


def trades_to_klines(path: str):
    minutes = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            t = int(row["trade_time_ms"])
            m = t - t % 60000
            p, q = Decimal(row["price"]), Decimal(row["qty"])
            k = minutes.setdefault(m, {"o": p, "h": p, "l": p, "c": p, "v": Decimal(0),
                                       "qv": Decimal(0), "n": 0, "tb": Decimal(0), "tq": Decimal(0)})
            k["h"] = max(k["h"], p)
            k["l"] = min(k["l"], p)
            k["c"] = p
            k["v"] += q
            k["qv"] += p * q
            k["n"] += 1
            if row["is_buyer_maker"] == "0":
                k["tb"] += q
                k["tq"] += p * q
    starts = sorted(minutes)
    # Drop the first and last minute: the recording starts and ends inside them.
    return [(m, minutes[m]) for m in starts[1:-1]]


def write_binance(klines, out_path: str, scale: int):
    with open(out_path, "w") as f:
        for m, k in klines:
            f.write(",".join([
                str(m * scale), fmt(k["o"]), fmt(k["h"]), fmt(k["l"]), fmt(k["c"]), fmt(k["v"]),
                str((m + 59999) * scale + (scale - 1)), fmt(k["qv"].quantize(Decimal("0.00000001"))),
                str(k["n"]), fmt(k["tb"]), fmt(k["tq"].quantize(Decimal("0.00000001"))), "0",
            ]) + "\n")


def main():
    trades, symbol = sys.argv[1], sys.argv[2]
    klines = trades_to_klines(trades)
    write_binance(klines, f"tests/data_files/{symbol}-1m-2024-08-08-binance-ms.csv", 1)
    write_binance(klines, f"tests/data_files/{symbol}-1m-2024-08-08-binance-us.csv", 1000)
    if symbol == "BTCUSDT":
        with open("data/BTCUSDT_1m_2024-12.csv", newline="") as f, \
                open("tests/data_files/BTCUSDT-1m-2024-12-02-positional.csv", "w") as out:
            for row in csv.DictReader(f):
                t = int(row["open_time_ms"])
                if 1733097600000 <= t < 1733184000000:
                    out.write(",".join([row["open_time_ms"], row["open"], row["high"], row["low"],
                                        row["close"], row["volume"], str(t + 59999),
                                        row["quote_volume"], row["trades"]]) + "\n")


if __name__ == "__main__":
    main()
