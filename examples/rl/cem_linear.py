"""Train a linear policy on ats_gym.BarTradingEnv with the cross-entropy method (numpy only), on
the first 70% of a bar file, and report it honestly on the last 30% next to flat and buy-and-hold.

  PYTHONPATH=build/release/python /usr/bin/python3 examples/rl/cem_linear.py data/BTCUSDT_1h_2021-04_2025-12.csv

The policy: action = argmax(W @ [obs, 1]) over flat / long / short. CEM: sample a population of
W from a Gaussian, keep the best (elite) by mean episode return over fixed training episodes,
refit the Gaussian, repeat. Expect little: a linear policy on a few indicators rarely beats
buy-and-hold out of sample after fees, and this script shows whatever happens.
"""

import csv
import os
import sys
import tempfile

import numpy as np

import ats_gym

ITERATIONS = int(os.environ.get("ATS_CEM_ITERATIONS", "12"))
POPULATION = 32
ELITE = 6
EPISODES = 4
EPISODE_BARS = 256


def split(path, directory, fraction=0.7):
    rows = list(csv.reader(open(path)))
    header, body = rows[0], rows[1:]
    cut = int(len(body) * fraction)
    out = []
    for name, part in (("train", body[:cut]), ("test", body[cut:])):
        p = os.path.join(directory, f"BTCUSDT_1h_{name}.csv")
        with open(p, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(part)
        out.append((p, part[0][0], part[-1][0]))
    return out


def run(env, policy, seeds):
    total = []
    for s in seeds:
        obs, _ = env.reset(seed=int(s))
        done = False
        while not done:
            action = policy(obs)
            obs, _, term, trunc, info = env.step(action)
            done = term or trunc
        total.append(info["equity"] - 1.0)
    return float(np.mean(total))


def linear(w):
    def act(obs):
        return int(np.argmax(w @ np.append(obs, 1.0)))
    return act


def main():
    data = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        (train_path, t0, t1), (test_path, s0, s1) = split(data, d)
        options = dict(episode_bars=EPISODE_BARS, fee_bps=10.0)
        train = ats_gym.BarTradingEnv(train_path, **options)
        test = ats_gym.BarTradingEnv(test_path, **options)
        n = train.observation_space.shape[0] + 1
        rng = np.random.default_rng(0)
        mean = np.zeros((3, n))
        std = np.full((3, n), 0.5)
        train_seeds = rng.integers(0, 2**31, EPISODES)
        for it in range(ITERATIONS):
            pop = mean + std * rng.standard_normal((POPULATION, 3, n))
            scores = np.array([run(train, linear(w), train_seeds) for w in pop])
            elite = pop[np.argsort(scores)[-ELITE:]]
            mean, std = elite.mean(axis=0), elite.std(axis=0) + 0.02
            print(f"iteration {it + 1:2d}/{ITERATIONS}: best {scores.max():+.4f}, mean {scores.mean():+.4f}", flush=True)
        policy = linear(mean)
        eval_seeds = np.arange(1000, 1000 + 20)
        rows = []
        for name, env in (("train (in sample)", train), ("test (out of sample)", test)):
            rows.append((name,
                         run(env, policy, eval_seeds),
                         run(env, lambda o: 0, eval_seeds),
                         run(env, lambda o: 1, eval_seeds)))
        print(f"\ntrain rows opened {t0}..{t1} (ms), test {s0}..{s1}; 20 episodes of {EPISODE_BARS} bars, 10 bps fees")
        print(f"{'':24s} {'policy':>10s} {'flat':>10s} {'buy&hold':>10s}   (mean episode return)")
        for name, p, f, b in rows:
            print(f"{name:24s} {p:+10.4f} {f:+10.4f} {b:+10.4f}")


if __name__ == "__main__":
    main()
