#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "ats/gym/bar_env.hpp"

namespace ats::gym {

/// n bar environments on one shared copy of the data, stepped together into flat arrays (row i
/// is environment i). An environment whose episode ends is reset at once with a seed drawn from
/// the vector's generator: its row then holds the new episode's first observation, and
/// `terminated`/`truncated`/`equity` describe the episode that ended.
class VectorBarEnv {
public:
    static constexpr std::size_t kMaxEnvs = 4096;

    static Result<VectorBarEnv> create(const BarEnvOptions& options, std::size_t n);

    std::size_t size() const noexcept { return envs_.size(); }
    std::size_t observation_size() const noexcept { return envs_.front().observation_size(); }
    /// obs: n x observation_size().
    void reset(std::uint64_t seed, float* obs);
    /// targets: n; obs: n x observation_size(); rewards, terminated, truncated, equity: n.
    void step(
        const double* targets,
        float* obs,
        double* rewards,
        std::uint8_t* terminated,
        std::uint8_t* truncated,
        double* equity);

private:
    explicit VectorBarEnv(std::vector<BarEnv> envs) : envs_(std::move(envs)) {}
    std::vector<BarEnv> envs_;
    std::mt19937_64 rng_;
};

}  // namespace ats::gym
