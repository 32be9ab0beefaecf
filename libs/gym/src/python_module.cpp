// The Python module `ats_gym._core` (pybind11): the C++ environment core. The gymnasium
// classes live in python/ats_gym/__init__.py.
#include <optional>
#include <stdexcept>
#include <string>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "ats/gym/bar_env.hpp"
#include "ats/gym/tick_env.hpp"
#include "ats/gym/vector_env.hpp"

namespace py = pybind11;
using ats::gym::BarEnv;
using ats::gym::BarEnvOptions;

namespace {

class PyBarEnv {
public:
    explicit PyBarEnv(const BarEnvOptions& o) : env_(make(o)) {}

    std::size_t obs_size() const { return env_.observation_size(); }
    std::size_t bars() const { return env_.bars(); }

    py::array_t<float> reset(std::uint64_t seed, std::optional<std::size_t> start) {
        py::array_t<float> obs(static_cast<py::ssize_t>(env_.observation_size()));
        env_.reset(seed, start, obs.mutable_data());
        return obs;
    }

    py::tuple step(double target) {
        py::array_t<float> obs(static_cast<py::ssize_t>(env_.observation_size()));
        bool terminated = false;
        bool truncated = false;
        ats::gym::StepInfo info;
        const double reward = env_.step(target, obs.mutable_data(), terminated, truncated, info);
        py::dict d;
        d["equity"] = info.equity;
        d["position"] = info.position;
        d["price"] = info.price;
        d["fee"] = info.fee;
        d["time_ms"] = info.time_ms;
        d["bar"] = info.bar;
        return py::make_tuple(obs, reward, terminated, truncated, d);
    }

private:
    static BarEnv make(const BarEnvOptions& o) {
        auto env = BarEnv::create(o);
        if (!env) {
            throw std::invalid_argument(env.error().message);
        }
        return std::move(*env);
    }
    BarEnv env_;
};

class PyVectorEnv {
public:
    PyVectorEnv(const BarEnvOptions& o, std::size_t n) : env_(make(o, n)) {}

    std::size_t size() const { return env_.size(); }
    std::size_t obs_size() const { return env_.observation_size(); }

    py::array_t<float> reset(std::uint64_t seed) {
        py::array_t<float> obs(
            {static_cast<py::ssize_t>(env_.size()),
             static_cast<py::ssize_t>(env_.observation_size())});
        env_.reset(seed, obs.mutable_data());
        return obs;
    }

    py::tuple step(const py::array_t<double, py::array::c_style | py::array::forcecast>& targets) {
        const auto n = static_cast<py::ssize_t>(env_.size());
        if (targets.ndim() != 1 || targets.shape(0) != n) {
            throw std::invalid_argument("actions: one number per environment");
        }
        py::array_t<float> obs({n, static_cast<py::ssize_t>(env_.observation_size())});
        py::array_t<double> rewards(n);
        py::array_t<std::uint8_t> terminated(n);
        py::array_t<std::uint8_t> truncated(n);
        py::array_t<double> equity(n);
        {
            py::gil_scoped_release release;
            env_.step(
                targets.data(),
                obs.mutable_data(),
                rewards.mutable_data(),
                terminated.mutable_data(),
                truncated.mutable_data(),
                equity.mutable_data());
        }
        return py::make_tuple(obs, rewards, terminated, truncated, equity);
    }

private:
    static ats::gym::VectorBarEnv make(const BarEnvOptions& o, std::size_t n) {
        auto env = ats::gym::VectorBarEnv::create(o, n);
        if (!env) {
            throw std::invalid_argument(env.error().message);
        }
        return std::move(*env);
    }
    ats::gym::VectorBarEnv env_;
};

class PyTickEnv {
public:
    explicit PyTickEnv(const ats::gym::TickEnvOptions& o) : env_(make(o)) {}

    std::size_t obs_size() const { return env_.observation_size(); }
    int actions() const { return env_.actions(); }

    py::array_t<float> reset(std::uint64_t seed, std::optional<double> start) {
        py::array_t<float> obs(static_cast<py::ssize_t>(env_.observation_size()));
        if (auto st = env_.reset(seed, start, obs.mutable_data()); !st) {
            throw std::runtime_error(st.error().message);
        }
        return obs;
    }

    py::tuple step(int action) {
        py::array_t<float> obs(static_cast<py::ssize_t>(env_.observation_size()));
        bool terminated = false;
        bool truncated = false;
        ats::gym::TickStepInfo info;
        auto reward = env_.step(action, obs.mutable_data(), terminated, truncated, info);
        if (!reward) {
            throw std::invalid_argument(reward.error().message);
        }
        py::dict d;
        d["equity"] = info.equity;
        d["position"] = info.position;
        d["mid"] = info.mid;
        d["fees"] = info.fees;
        d["fills"] = info.fills;
        d["time_ns"] = info.time_ns;
        return py::make_tuple(obs, *reward, terminated, truncated, d);
    }

private:
    static ats::gym::TickEnv make(const ats::gym::TickEnvOptions& o) {
        auto env = ats::gym::TickEnv::create(o);
        if (!env) {
            throw std::invalid_argument(env.error().message);
        }
        return std::move(*env);
    }
    ats::gym::TickEnv env_;
};

}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "ats trading environments (C++ core)";
    py::class_<BarEnvOptions>(m, "BarEnvOptions")
        .def(py::init<>())
        .def_readwrite("data", &BarEnvOptions::data)
        .def_readwrite("symbol", &BarEnvOptions::symbol)
        .def_readwrite("features", &BarEnvOptions::features)
        .def_readwrite("window", &BarEnvOptions::window)
        .def_readwrite("norm_window", &BarEnvOptions::norm_window)
        .def_readwrite("episode_bars", &BarEnvOptions::episode_bars)
        .def_readwrite("fee_bps", &BarEnvOptions::fee_bps)
        .def_readwrite("allow_short", &BarEnvOptions::allow_short)
        .def_readwrite("reward", &BarEnvOptions::reward)
        .def_readwrite("max_drawdown", &BarEnvOptions::max_drawdown)
        .def_readwrite("ruin", &BarEnvOptions::ruin);
    py::class_<PyBarEnv>(m, "BarEnvCore")
        .def(py::init<const BarEnvOptions&>())
        .def_property_readonly("observation_size", &PyBarEnv::obs_size)
        .def_property_readonly("bars", &PyBarEnv::bars)
        .def("reset", &PyBarEnv::reset, py::arg("seed"), py::arg("start") = py::none())
        .def("step", &PyBarEnv::step, py::arg("target"));
    py::class_<PyVectorEnv>(m, "VectorBarEnvCore")
        .def(py::init<const BarEnvOptions&, std::size_t>())
        .def_property_readonly("size", &PyVectorEnv::size)
        .def_property_readonly("observation_size", &PyVectorEnv::obs_size)
        .def("reset", &PyVectorEnv::reset, py::arg("seed"))
        .def("step", &PyVectorEnv::step, py::arg("targets"));
    using ats::gym::TickEnvOptions;
    py::class_<TickEnvOptions>(m, "TickEnvOptions")
        .def(py::init<>())
        .def_readwrite("ticks", &TickEnvOptions::ticks)
        .def_readwrite("symbol", &TickEnvOptions::symbol)
        .def_readwrite("mode", &TickEnvOptions::mode)
        .def_readwrite("step_ms", &TickEnvOptions::step_ms)
        .def_readwrite("episode_steps", &TickEnvOptions::episode_steps)
        .def_readwrite("window", &TickEnvOptions::window)
        .def_readwrite("levels", &TickEnvOptions::levels)
        .def_readwrite("qty", &TickEnvOptions::qty)
        .def_readwrite("max_position", &TickEnvOptions::max_position)
        .def_readwrite("maker_fee_bps", &TickEnvOptions::maker_fee_bps)
        .def_readwrite("taker_fee_bps", &TickEnvOptions::taker_fee_bps)
        .def_readwrite("entry_ms", &TickEnvOptions::entry_ms)
        .def_readwrite("response_ms", &TickEnvOptions::response_ms)
        .def_readwrite("feed_latency_ms", &TickEnvOptions::feed_latency_ms)
        .def_readwrite("queue", &TickEnvOptions::queue)
        .def_readwrite("cash", &TickEnvOptions::cash)
        .def_readwrite("max_drawdown_pct", &TickEnvOptions::max_drawdown_pct);
    py::class_<PyTickEnv>(m, "TickEnvCore")
        .def(py::init<const TickEnvOptions&>())
        .def_property_readonly("observation_size", &PyTickEnv::obs_size)
        .def_property_readonly("actions", &PyTickEnv::actions)
        .def("reset", &PyTickEnv::reset, py::arg("seed"), py::arg("start") = py::none())
        .def("step", &PyTickEnv::step, py::arg("action"));
    m.attr("OBS_BOUND") = ats::gym::BarEnv::kObsBound;
}
