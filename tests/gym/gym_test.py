"""ats_gym.BarTradingEnv: gymnasium's checker (mode "checker"; skipped, saying why, when gymnasium
is not importable), and in mode "core": determinism, the accounting of fees and marks,
causality (an observation does not change when the data after its bar is cut off), option
errors, and the speed of step() (printed)."""

import csv
import os
import sys
import tempfile
import time
import warnings

import numpy as np

import ats_gym

DATA = sys.argv[1]  # the bundled BTCUSDT 1h file
MODE = sys.argv[2] if len(sys.argv) > 2 else "core"  # core (no gymnasium needed) or checker
TICKS = os.path.join(os.path.dirname(DATA), "ticks")  # the bundled tick recording


def checker():
    try:
        from gymnasium.utils.env_checker import check_env
    except ImportError:
        print("SKIP: gymnasium is not importable (set ATS_GYMNASIUM or put ../shared/vendor/gymnasium beside the project)")
        sys.exit(77)
    for kwargs in ({}, {"action": "box", "reward": "dsr"}, {"allow_short": False}):
        env = ats_gym.BarTradingEnv(DATA, **kwargs)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            check_env(env, skip_render_check=True)
        assert not caught, [str(w.message) for w in caught]
        env.close()
        env.close()  # idempotent
    for kwargs in ({"mode": "maker"}, {"mode": "taker", "step_ms": 500}):
        env = ats_gym.TickTradingEnv(TICKS, episode_steps=20, **kwargs)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            check_env(env, skip_render_check=True)
        assert not caught, [str(w.message) for w in caught]
        env.close()
    print("check_env: 3 bar and 2 tick variants, no warnings")


def parity(ats, project):
    """Replays the positions of `ats backtest` (sma_cross, all-in, next-open, 10 bps) as actions:
    the environment's equity equals the backtest's at every bar close."""
    import subprocess

    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [ats, "backtest", "--config", "configs/sma_cross_backtrader.toml", "--report", out],
            cwd=project, check=True, stdout=subprocess.DEVNULL)
        trades = list(csv.DictReader(open(os.path.join(out, "trades.csv"))))
        curve = [(int(r["time_ms"]), float(r["equity"])) for r in csv.DictReader(open(os.path.join(out, "equity.csv")))]
    held = []  # [entry, exit) open times of the backtest's positions
    for t in trades:
        held.append((int(t["entry_time_ms"]), int(t["exit_time_ms"]) if t["exit_time_ms"] else 2**62))
    hour = 3_600_000
    index = {open_ms + hour - 1: i for i, (open_ms, _) in enumerate(curve)}
    env = ats_gym.BarTradingEnv(DATA, features="rsi:2", window=1, norm_window=16, episode_bars=0,
                                allow_short=False, max_drawdown=1.0, ruin=0.0, fee_bps=10.0)
    env.reset(seed=0)
    probe = ats_gym.BarTradingEnv(DATA, features="rsi:2", window=1, norm_window=16, episode_bars=0,
                                  allow_short=False)
    probe.reset(seed=0)
    k = index[probe.step(0)[4]["time_ms"]] - 1  # the episode's first decision bar
    start = curve[k][1]
    worst, steps, j = 0.0, 0, 0
    while k + 1 < len(curve):
        bar_open = curve[k + 1][0]
        while j < len(held) and held[j][1] <= bar_open:
            j += 1
        long = j < len(held) and held[j][0] <= bar_open < held[j][1]
        _, _, term, trunc, info = env.step(1 if long else 0)
        assert info["time_ms"] == bar_open + hour - 1
        worst = max(worst, abs(info["equity"] / (curve[k + 1][1] / start) - 1))
        steps += 1
        k += 1
        if term or trunc:
            break
    assert steps > 40_000, steps
    assert worst < 1e-6, worst
    print(f"parity: {steps} bars, {len(trades)} trades of ats backtest replayed, max relative equity difference {worst:.2g}")


def tick_env():
    """TickTradingEnv: seeded episodes repeat, rewards add up to the equity change, the taker
    reaches its target position within a step, options are checked, and its speed."""
    runs = []
    for _ in range(2):
        env = ats_gym.TickTradingEnv(TICKS, mode="maker", episode_steps=60)
        obs, _ = env.reset(seed=5)
        trace, rewards, infos = [obs], [], []
        rng = np.random.default_rng(1)
        while True:
            obs, r, term, trunc, info = env.step(int(rng.integers(4)))
            trace.append(obs)
            rewards.append(r)
            infos.append(info)
            if term or trunc:
                break
        runs.append((np.concatenate(trace), rewards, infos))
    assert np.array_equal(runs[0][0], runs[1][0]) and runs[0][1] == runs[1][1]
    _, rewards, infos = runs[0]
    assert len(rewards) == 60 and infos[-1]["fills"] > 0
    start = infos[0]["equity"] - rewards[0] * 10_000 / 1e4
    assert abs(sum(rewards) * 10_000 / 1e4 - (infos[-1]["equity"] - start)) < 1e-6
    assert all(abs(o) <= ats_gym.OBS_BOUND for o in runs[0][0])
    # A taker at 5 ms latency holds its target by the end of each 1 s step.
    env = ats_gym.TickTradingEnv(TICKS, mode="taker", max_position="0.002", episode_steps=30)
    env.reset(seed=2)
    for action, want in ((1, 0.002), (1, 0.002), (2, -0.002), (0, 0.0)):
        _, _, _, _, info = env.step(action)
        assert abs(info["position"] - want) < 1e-12, (action, info)
    assert info["fees"] > 0
    for bad, word in (({"mode": "both"}, "mode"), ({"step_ms": 5}, "step_ms"), ({"qty": "-1"}, "qty"),
                      ({"queue": "power:x"}, "queue"), ({"episode_steps": 100000}, "recording")):
        try:
            ats_gym.TickTradingEnv(TICKS, **bad)
        except ValueError as e:
            assert word in str(e), (bad, str(e))
        else:
            raise AssertionError(f"{bad} was accepted")
    try:
        env.step(7)
    except ValueError:
        pass
    else:
        raise AssertionError("an action out of range was accepted")
    env = ats_gym.TickTradingEnv(TICKS, mode="maker", episode_steps=200)
    env.reset(seed=3)
    t0, n = time.perf_counter(), 0
    while True:
        _, _, term, trunc, _ = env.step(1)
        n += 1
        if term or trunc:
            break
    rate = n / (time.perf_counter() - t0)
    print(f"tick env: seeded episodes repeat, rewards add up, the taker holds its target; {rate:,.0f} steps/s of 1 s each")


def determinism():
    runs = []
    for _ in range(2):
        env = ats_gym.BarTradingEnv(DATA, episode_bars=200)
        obs, _ = env.reset(seed=42)
        rng = np.random.default_rng(0)
        trace = [obs]
        for _ in range(200):
            obs, r, term, trunc, info = env.step(int(rng.integers(0, 3)))
            trace.append(obs)
            trace.append(np.array([r]))
            if term or trunc:
                break
        runs.append(np.concatenate(trace))
    assert np.array_equal(runs[0], runs[1])
    other, _ = ats_gym.BarTradingEnv(DATA).reset(seed=43)
    assert not np.array_equal(other, runs[0][: len(other)])
    print("determinism: same seed, same episode")


def accounting():
    fee = 10.0
    env = ats_gym.BarTradingEnv(DATA, fee_bps=fee, episode_bars=300, max_drawdown=1.0, ruin=0.0)
    env.reset(seed=7)
    _, _, _, _, first = env.step(1)  # buy at the open: one fee on the whole equity
    prev = first
    for _ in range(50):
        _, r, _, _, info = env.step(1)  # holding: equity moves with the close, no fee
        assert info["fee"] == 0.0
        assert abs(info["equity"] / prev["equity"] - info["price"] / prev["price"]) < 1e-12
        assert abs(r - (info["equity"] - prev["equity"])) < 1e-12
        prev = info
    _, _, _, _, flip = env.step(2)  # long -> short at the open: about twice the fee
    assert -1.1 < flip["position"] < -0.9  # the exposure at the close: -1 at the open
    assert flip["fee"] > 0
    at_open = flip["fee"] / (2 * fee / 1e4)
    assert 0.5 * prev["equity"] < at_open < 1.5 * prev["equity"]
    print("accounting: marks, fees and rewards agree")


def causality():
    rows = list(csv.reader(open(DATA)))
    header, body = rows[0], rows[1:]
    start = 3000
    with tempfile.TemporaryDirectory() as d:
        cut = os.path.join(d, "BTCUSDT_1h_cut.csv")
        with open(cut, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(body[: start + 2])
        full = ats_gym.BarTradingEnv(DATA, episode_bars=1)
        short = ats_gym.BarTradingEnv(cut, episode_bars=1)
        a, _ = full.reset(seed=0, options={"start": start})
        b, _ = short.reset(seed=0, options={"start": start})
        assert np.array_equal(a, b), np.flatnonzero(a != b)
    print("causality: observations use data up to their bar's close only")


def errors():
    for kwargs, text in (
        ({"window": 0}, "window"),
        ({"fee_bps": -1}, "fee_bps"),
        ({"reward": "sharpe"}, "reward"),
        ({"features": "nope:3"}, "features"),
    ):
        try:
            ats_gym.BarTradingEnv(DATA, **kwargs)
        except ValueError as e:
            assert text in str(e), str(e)
        else:
            raise AssertionError(f"{kwargs} was accepted")
    try:
        ats_gym.BarTradingEnv("/nonexistent.csv")
    except ValueError as e:
        assert "nonexistent" in str(e)
    print("errors: bad options and files are ValueErrors naming them")


def speed():
    env = ats_gym.BarTradingEnv(DATA, episode_bars=0)
    env.reset(seed=1)
    n = 0
    t0 = time.perf_counter()
    while n < 20000:
        _, _, term, trunc, _ = env.step(n % 3)
        n += 1
        if term or trunc:
            env.reset(seed=n)
    dt = time.perf_counter() - t0
    print(f"speed: {n / dt:,.0f} steps/s through the Python API")


def vector():
    # Shapes, bounds, automatic restarts, and a wrong number of actions refused.
    venv = ats_gym.VectorBarTradingEnv(4, DATA, episode_bars=64)
    obs, _ = venv.reset(seed=5)
    assert obs.shape == (4, venv.single_observation_space.shape[0]) and obs.dtype == np.float32
    rng = np.random.default_rng(1)
    ended = 0
    for _ in range(200):
        obs, rewards, term, trunc, info = venv.step(rng.uniform(-1, 1, 4))
        assert obs.shape[0] == 4 and rewards.shape == (4,)
        assert np.all(np.abs(obs) <= ats_gym.OBS_BOUND)
        ended += int(np.sum(term | trunc))
    assert ended >= 4 * 3  # episodes of 64 steps restart on their own
    try:
        venv.step(np.zeros(3))
    except ValueError:
        pass
    else:
        raise AssertionError("a wrong number of actions was accepted")

    # Same logic in pure Python (numpy arrays, a Python loop) against the C++ vector env.
    rows = list(csv.reader(open(DATA)))[1:]
    open_ = np.array([float(r[2]) for r in rows])
    close = np.array([float(r[5]) for r in rows])
    n, steps = 64, 200
    venv = ats_gym.VectorBarTradingEnv(n, DATA, episode_bars=0)
    venv.reset(seed=1)
    targets = np.ones(n)
    t0 = time.perf_counter()
    for _ in range(steps):
        venv.step(targets)
    cpp = n * steps / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    equity = np.ones(n)
    cash = np.ones(n)
    units = np.zeros(n)
    last = np.zeros(n)
    t = np.full(n, 600)
    f = 10 / 1e4
    for _ in range(steps):
        for i in range(n):
            nxt = t[i] + 1
            x = targets[i]
            if x != last[i]:
                a = units[i] * open_[nxt]
                e = cash[i] + a
                y = x * (e + f * a) / (1 + x * f) if x * e >= a else x * (e - f * a) / (1 - x * f)
                cash[i] -= (y - a) + f * abs(y - a)
                units[i] = y / open_[nxt]
                last[i] = x
            equity[i] = cash[i] + units[i] * close[nxt]
            t[i] = nxt
    py = n * steps / (time.perf_counter() - t0)
    print(f"vector: {cpp:,.0f} env-steps/s with observations (C++, 64 envs) vs {py:,.0f} in a pure-Python loop without them ({cpp / py:.0f}x)")


if MODE == "checker":
    checker()
elif MODE == "parity":
    parity(sys.argv[3], sys.argv[4])
else:
    determinism()
    accounting()
    causality()
    errors()
    speed()
    vector()
    tick_env()
