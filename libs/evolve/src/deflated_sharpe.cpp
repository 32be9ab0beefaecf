#include "ats/evolve/deflated_sharpe.hpp"

#include <cmath>

#include <boost/math/distributions/normal.hpp>

namespace ats::evolve {

DeflatedSharpe deflated_sharpe(
    std::span<const double> returns, std::span<const double> trial_sharpes, std::uint64_t trials) {
    DeflatedSharpe out;
    out.trials = trials;
    const auto n = static_cast<double>(returns.size());
    if (returns.size() < 3) {
        return out;
    }
    double mean = 0;
    for (const double r : returns) {
        mean += r;
    }
    mean /= n;
    double m2 = 0;
    double m3 = 0;
    double m4 = 0;
    for (const double r : returns) {
        const double d = r - mean;
        m2 += d * d;
        m3 += d * d * d;
        m4 += d * d * d * d;
    }
    m2 /= n;
    m3 /= n;
    m4 /= n;
    if (m2 <= 0) {
        return out;
    }
    const double sd = std::sqrt(m2);
    out.sharpe = mean / sd;
    out.skewness = m3 / (sd * sd * sd);
    out.kurtosis = m4 / (m2 * m2);

    double tm = 0;
    for (const double s : trial_sharpes) {
        tm += s;
    }
    const auto k = static_cast<double>(trial_sharpes.size());
    if (k > 1) {
        tm /= k;
        double v = 0;
        for (const double s : trial_sharpes) {
            v += (s - tm) * (s - tm);
        }
        out.trial_sharpe_std = std::sqrt(v / (k - 1));
    }
    const boost::math::normal_distribution<double> z;
    constexpr double kEulerGamma = 0.5772156649015329;
    if (trials > 1) {
        const auto nt = static_cast<double>(trials);
        out.expected_max = out.trial_sharpe_std *
                           ((1 - kEulerGamma) * boost::math::quantile(z, 1 - 1 / nt) +
                            kEulerGamma * boost::math::quantile(z, 1 - 1 / (nt * std::exp(1.0))));
    }
    const double denom =
        1 - out.skewness * out.sharpe + (out.kurtosis - 1) / 4 * out.sharpe * out.sharpe;
    if (denom <= 0) {
        return out;
    }
    out.probability =
        boost::math::cdf(z, (out.sharpe - out.expected_max) * std::sqrt(n - 1) / std::sqrt(denom));
    return out;
}

}  // namespace ats::evolve
