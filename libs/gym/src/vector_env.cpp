#include "ats/gym/vector_env.hpp"

#include <fmt/format.h>

namespace ats::gym {

Result<VectorBarEnv> VectorBarEnv::create(const BarEnvOptions& options, std::size_t n) {
    if (n < 1 || n > kMaxEnvs) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("the number of environments must be in [1, {}], got {}", kMaxEnvs, n));
    }
    auto first = BarEnv::create(options);
    if (!first) {
        return tl::unexpected(first.error());
    }
    std::vector<BarEnv> envs;
    envs.reserve(n);
    for (std::size_t i = 1; i < n; ++i) {
        envs.push_back(first->copy());
    }
    envs.push_back(std::move(*first));
    return VectorBarEnv(std::move(envs));
}

void VectorBarEnv::reset(std::uint64_t seed, float* obs) {
    rng_.seed(seed);
    const std::size_t d = observation_size();
    for (std::size_t i = 0; i < envs_.size(); ++i) {
        envs_[i].reset(rng_(), std::nullopt, obs + i * d);
    }
}

void VectorBarEnv::step(
    const double* targets,
    float* obs,
    double* rewards,
    std::uint8_t* terminated,
    std::uint8_t* truncated,
    double* equity) {
    const std::size_t d = observation_size();
    StepInfo info;
    for (std::size_t i = 0; i < envs_.size(); ++i) {
        bool term = false;
        bool trunc = false;
        rewards[i] = envs_[i].step(targets[i], obs + i * d, term, trunc, info);
        terminated[i] = term ? 1 : 0;
        truncated[i] = trunc ? 1 : 0;
        equity[i] = info.equity;
        if (term || trunc) {
            envs_[i].reset(rng_(), std::nullopt, obs + i * d);
        }
    }
}

}  // namespace ats::gym
