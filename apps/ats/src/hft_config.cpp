// `ats hft-backtest --config FILE`: the TOML form of the flags (docs/hft.md).
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "src/hft_sim_command.hpp"

namespace ats::cli {
namespace {

using Setter = std::function<Status(const toml::node&, const std::string& where)>;

struct Key {
    const char* flag;  ///< the long flag without dashes
    Setter set;
    const char* key = nullptr;  ///< the TOML key when it is not the flag with '_' for '-'
};

Status bad(const std::string& where, const std::string& what) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: {}", where, what));
}

Setter text(std::string& out) {
    return [&out](const toml::node& n, const std::string& where) -> Status {
        const auto v = n.value<std::string>();
        if (!v) {
            return bad(where, "expected a string");
        }
        out = *v;
        return ok_status();
    };
}

Setter real(double& out, double lo, double hi) {
    return [&out, lo, hi](const toml::node& n, const std::string& where) -> Status {
        const auto v = n.value<double>();
        if (!v || !std::isfinite(*v) || *v < lo || *v > hi) {
            return bad(where, fmt::format("expected a number in [{}, {}]", lo, hi));
        }
        out = *v;
        return ok_status();
    };
}

template <class T>
Setter integer(T& out, std::int64_t lo, std::int64_t hi) {
    return [&out, lo, hi](const toml::node& n, const std::string& where) -> Status {
        const auto v = n.value<std::int64_t>();
        if (!n.is_integer() || !v || *v < lo || *v > hi) {
            return bad(where, fmt::format("expected an integer in [{}, {}]", lo, hi));
        }
        out = static_cast<T>(*v);
        return ok_status();
    };
}

/// A quantity or price: a string ("0.001", exact) or a number.
Setter decimal(std::string& out) {
    return [&out](const toml::node& n, const std::string& where) -> Status {
        if (const auto s = n.value_exact<std::string>()) {
            out = *s;
            return ok_status();
        }
        if (n.is_number()) {
            out = fmt::format("{}", *n.value<double>());
            return ok_status();
        }
        return bad(where, "expected a decimal (\"0.001\") or a number");
    };
}

/// One latency in ms, or an array of them drawn at random.
Setter latency_list(std::string& out) {
    return [&out](const toml::node& n, const std::string& where) -> Status {
        if (n.is_number()) {
            out = fmt::format("{}", *n.value<double>());
            return ok_status();
        }
        const auto* arr = n.as_array();
        if (arr == nullptr || arr->empty()) {
            return bad(where, "expected a number of ms or an array of them");
        }
        std::vector<std::string> parts;
        for (const auto& item : *arr) {
            if (!item.is_number()) {
                return bad(where, "every entry must be a number of ms");
            }
            parts.push_back(fmt::format("{}", *item.value<double>()));
        }
        out = fmt::format("{}", fmt::join(parts, ","));
        return ok_status();
    };
}

}  // namespace

Status apply_hft_config(HftSimArgs& a) {
    toml::table root;
    try {
        root = toml::parse_file(a.config);
    } catch (const toml::parse_error& e) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{}:{}: {}", a.config, e.source().begin.line, e.description()));
    }
    const std::map<std::string, std::vector<Key>> sections{
        {"data",
         {{"ticks", text(a.ticks)},
          {"symbol", text(a.symbol)},
          {"feed-latency-ms", real(a.feed_latency_ms, 0, 10'000)}}},
        {"exchange",
         {{"queue", text(a.queue)},
          {"fill", text(a.fill)},
          {"maker-fee-bps", real(a.maker_fee_bps, -100, 1000)},
          {"taker-fee-bps", real(a.taker_fee_bps, -100, 1000)},
          {"tick-size", decimal(a.tick_size)},
          {"lot-size", decimal(a.lot_size)},
          {"impact-halflife-ms", real(a.impact_halflife_ms, 0, 3'600'000)}}},
        {"latency",
         {{"entry-ms", latency_list(a.entry_ms)},
          {"response-ms", real(a.response_ms, 0, 60'000)},
          {"latency-file", text(a.latency_file)},
          {"seed", integer(a.seed, 0, std::numeric_limits<std::int64_t>::max())}}},
        {"strategy",
         {{"strategy", text(a.strategy), "name"},
          {"quote-qty", decimal(a.quote_qty)},
          {"max-position", decimal(a.max_position)},
          {"skew-ticks", real(a.skew_ticks, 0, 1000)},
          {"requote-ms", real(a.requote_ms, 0, 60'000)},
          {"as-gamma", real(a.as_gamma, 0, 100)},
          {"as-kappa", real(a.as_kappa, 0, 1e6)},
          {"as-tau-s", real(a.as_tau_s, 0, 86'400)},
          {"imbalance-levels", integer(a.imbalance_levels, 1, 1000)},
          {"imbalance-threshold", real(a.imbalance_threshold, 0, 1)},
          {"cooldown-ms", real(a.cooldown_ms, 0, 60'000)}}},
        {"risk",
         {{"cash", real(a.cash, 1e-8, 1e10)},
          {"max-position-qty", decimal(a.risk_max_position_qty)},
          {"max-drawdown-pct", real(a.max_drawdown_pct, 0, 1)},
          {"max-daily-loss-pct", real(a.max_daily_loss_pct, 0, 1)},
          {"max-open-orders", integer(a.max_open_orders, 1, 1'000'000)}}},
        {"report",
         {{"output", text(a.output), "dir"},
          {"calibrate", text(a.calibrate)},
          {"session", text(a.session)}}},
    };
    const auto name_of = [](const Key& x) {
        std::string k(x.key != nullptr ? x.key : x.flag);
        std::replace(k.begin(), k.end(), '-', '_');
        return k;
    };
    for (const auto& [section, node] : root) {
        const std::string sec(section.str());
        const auto it = sections.find(sec);
        if (it == sections.end() || !node.is_table()) {
            return bad(
                a.config,
                fmt::format(
                    "[{}]: unknown section (valid: [data], [exchange], [latency], [strategy], "
                    "[risk], [report])",
                    sec));
        }
        for (const auto& [key, value] : *node.as_table()) {
            const std::string k(key.str());
            const auto found =
                std::find_if(it->second.begin(), it->second.end(), [&](const Key& x) {
                    return name_of(x) == k;
                });
            if (found == it->second.end()) {
                std::vector<std::string> valid;
                for (const auto& x : it->second) {
                    valid.push_back(name_of(x));
                }
                return bad(
                    a.config,
                    fmt::format(
                        "[{}] {}: unknown key (valid: {})", sec, k, fmt::join(valid, ", ")));
            }
            // A flag on the command line wins over the file.
            if (a.explicit_flags.count(found->flag) != 0) {
                continue;
            }
            if (auto st = found->set(value, fmt::format("{}: [{}] {}", a.config, sec, k)); !st) {
                return st;
            }
        }
    }
    return ok_status();
}

}  // namespace ats::cli
