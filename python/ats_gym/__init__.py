"""ats_gym: trading environments over real market data (docs/gym.md).

`BarTradingEnv(data=PATH, **options)` is a `gymnasium.Env` when gymnasium is importable; the C++
core (`ats_gym._core`) does the work. Without gymnasium the class keeps the same API on a small
stand-in base and spaces, so the module imports with Debian's packages alone.
"""

import numpy as np

from . import _core

try:  # gymnasium is not packaged in Debian 12; tests use a vendored copy
    import gymnasium as _gym
    from gymnasium import spaces as _spaces

    _Env = _gym.Env
except ImportError:  # pragma: no cover - exercised on machines without gymnasium
    _gym = None

    class _Env:  # the parts of gymnasium.Env this module uses
        metadata = {}
        np_random = None

        def reset(self, *, seed=None, options=None):
            if seed is not None or self.np_random is None:
                self.np_random = np.random.default_rng(seed)

    class _Discrete:
        def __init__(self, n):
            self.n = n
            self.shape = ()
            self.dtype = np.int64

        def contains(self, x):
            return int(x) == x and 0 <= int(x) < self.n

    class _Box:
        def __init__(self, low, high, shape, dtype):
            self.low = np.full(shape, low, dtype=dtype)
            self.high = np.full(shape, high, dtype=dtype)
            self.shape = shape
            self.dtype = dtype

        def contains(self, x):
            x = np.asarray(x)
            return x.shape == self.shape and bool(np.all(x >= self.low) and np.all(x <= self.high))

    class _spaces:  # noqa: N801 - mirrors the gymnasium module name
        Discrete = _Discrete
        Box = _Box

__all__ = ["BarTradingEnv", "VectorBarTradingEnv", "TickTradingEnv", "OBS_BOUND"]

OBS_BOUND = float(_core.OBS_BOUND)

_OPTIONS = (
    "symbol",
    "features",
    "window",
    "norm_window",
    "episode_bars",
    "fee_bps",
    "allow_short",
    "reward",
    "max_drawdown",
    "ruin",
)


def _options(data, options):
    unknown = set(options) - set(_OPTIONS)
    if unknown:
        raise TypeError(f"unknown options: {sorted(unknown)}; known: {list(_OPTIONS)}")
    o = _core.BarEnvOptions()
    o.data = str(data)
    for key, value in options.items():
        setattr(o, key, value)
    return o


class VectorBarTradingEnv:
    """n BarTradingEnv stepped together in C++ on one shared copy of the data. Actions are target
    exposures (an array of n numbers in [-1, 1], or [0, 1] without shorts). step() returns
    (obs[n, d], rewards[n], terminated[n], truncated[n], {"equity": [n]}); an environment whose
    episode ended starts a new one at once (its row of obs is the new episode's first), and the
    arrays at that index describe the episode that ended."""

    def __init__(self, n, data, **options):
        self._core = _core.VectorBarEnvCore(_options(data, options), int(n))
        self.num_envs = self._core.size
        d = self._core.observation_size
        self.single_observation_space = _spaces.Box(-OBS_BOUND, OBS_BOUND, (d,), np.float32)

    def reset(self, *, seed=None):
        if seed is None:
            seed = int(np.random.default_rng().integers(0, 2**63 - 1))
        return self._core.reset(int(seed)), {}

    def step(self, actions):
        obs, rewards, terminated, truncated, equity = self._core.step(np.asarray(actions, dtype=np.float64))
        return obs, rewards, terminated.astype(bool), truncated.astype(bool), {"equity": equity}

    def close(self):
        pass


class BarTradingEnv(_Env):
    """Trade one asset on bars. Actions: Discrete(3) (0 flat, 1 long, 2 short) or, with
    action="box", Box([-1], [1]) as the target exposure. A decision at a bar's close that changes
    the target trades at the next bar's open to the quantity whose exposure after the fee is the
    target, paying fee_bps on the traded notional; the same target again holds the quantity. The
    reward is measured at that bar's close. info["position"] is the exposure at the close."""

    metadata = {"render_modes": ["ansi"]}

    def __init__(self, data, action="discrete", render_mode=None, **options):
        if action not in ("discrete", "box"):
            raise ValueError("action: 'discrete' or 'box'")
        if render_mode not in (None, "ansi"):
            raise ValueError("render_mode: None or 'ansi'")
        o = _options(data, options)
        self._core = _core.BarEnvCore(o)  # ValueError with the reason on a bad option or file
        self._allow_short = o.allow_short
        self.render_mode = render_mode
        self._action = action
        n = self._core.observation_size
        self.observation_space = _spaces.Box(-OBS_BOUND, OBS_BOUND, (n,), np.float32)
        if action == "discrete":
            self.action_space = _spaces.Discrete(3 if o.allow_short else 2)
        else:
            self.action_space = _spaces.Box(-1.0 if o.allow_short else 0.0, 1.0, (1,), np.float32)
        self._last_info = {}
        self._closed = False

    def _target(self, action):
        if self._action == "discrete":
            return (0.0, 1.0, -1.0)[int(action)]
        return float(np.asarray(action, dtype=np.float64).reshape(-1)[0])

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        start = None if not options else options.get("start")
        core_seed = int(self.np_random.integers(0, 2**63 - 1))
        obs = self._core.reset(core_seed, start)
        self._last_info = {"equity": 1.0, "position": 0.0}
        return obs, dict(self._last_info)

    def step(self, action):
        obs, reward, terminated, truncated, info = self._core.step(self._target(action))
        self._last_info = info
        return obs, float(reward), bool(terminated), bool(truncated), info

    def render(self):
        if self.render_mode == "ansi":
            i = self._last_info
            return f"equity {i.get('equity', 1.0):.4f} position {i.get('position', 0.0):+.2f}\n"
        return None

    def close(self):
        self._closed = True


_TICK_OPTIONS = (
    "symbol",
    "mode",
    "step_ms",
    "episode_steps",
    "window",
    "levels",
    "qty",
    "max_position",
    "maker_fee_bps",
    "taker_fee_bps",
    "entry_ms",
    "response_ms",
    "feed_latency_ms",
    "queue",
    "cash",
    "max_drawdown_pct",
)


class TickTradingEnv(_Env):
    """Trade on the tick-level simulator (a Binance recording of trades and depth, replayed with
    latency, queue position, partial fills, fees and the engine's risk manager). Each step is
    step_ms of the recording with the action in force. mode="maker": Discrete(4), quote at the
    local touch on 0 no side, 1 both, 2 the bid, 3 the ask; mode="taker": Discrete(3), target
    position 0, +max_position or -max_position at market. The reward is the change of equity in
    basis points of the starting cash. Observations: the last `window` mid returns (bps), the
    spread (ticks), the book imbalance over `levels` levels, the step's trade-flow imbalance, the
    position / max_position, whether each side is quoted, the episode's P&L (bps / 10)."""

    metadata = {"render_modes": ["ansi"]}

    def __init__(self, ticks="data/ticks", render_mode=None, **options):
        if render_mode not in (None, "ansi"):
            raise ValueError("render_mode: None or 'ansi'")
        unknown = set(options) - set(_TICK_OPTIONS)
        if unknown:
            raise TypeError(f"unknown options: {sorted(unknown)}; known: {list(_TICK_OPTIONS)}")
        o = _core.TickEnvOptions()
        o.ticks = str(ticks)
        for key, value in options.items():
            setattr(o, key, value)
        self._core = _core.TickEnvCore(o)  # ValueError with the reason on a bad option or file
        self.render_mode = render_mode
        n = self._core.observation_size
        self.observation_space = _spaces.Box(-OBS_BOUND, OBS_BOUND, (n,), np.float32)
        self.action_space = _spaces.Discrete(self._core.actions)
        self._last_info = {}
        self._closed = False

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        start = None if not options else options.get("start")
        core_seed = int(self.np_random.integers(0, 2**63 - 1))
        obs = self._core.reset(core_seed, start)
        self._last_info = {"position": 0.0}
        return obs, dict(self._last_info)

    def step(self, action):
        obs, reward, terminated, truncated, info = self._core.step(int(action))
        self._last_info = info
        return obs, float(reward), bool(terminated), bool(truncated), info

    def render(self):
        if self.render_mode == "ansi":
            i = self._last_info
            return f"equity {i.get('equity') or 0:.4f} position {i.get('position', 0.0):+.5f}\n"
        return None

    def close(self):
        self._closed = True
