#include "ats/ml/labels.hpp"

#include <charconv>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "ats/indicators/volatility.hpp"

namespace ats::ml {
namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> out;
    while (true) {
        const auto pos = text.find(sep);
        out.push_back(text.substr(0, pos));
        if (pos == std::string_view::npos) {
            return out;
        }
        text.remove_prefix(pos + 1);
    }
}

std::optional<double> number(std::string_view s) {
    double v = 0.0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v) || v < 0.0) {
        return std::nullopt;
    }
    return v;
}

}  // namespace

Result<LabelSpec> LabelSpec::parse(std::string_view text) {
    const auto bad = [&](std::string_view why) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "label '{}': {} (expected forward_return:N[:DEAD_ZONE] or "
                "triple_barrier:N:TP:SL with TP/SL as fractions or like 2atr)",
                text,
                why));
    };
    const auto parts = split(text, ':');
    LabelSpec spec;
    if (parts[0] == "forward_return") {
        spec.kind = Kind::kForwardReturn;
        if (parts.size() < 2 || parts.size() > 3) {
            return bad("wrong number of fields");
        }
    } else if (parts[0] == "triple_barrier") {
        spec.kind = Kind::kTripleBarrier;
        if (parts.size() != 4) {
            return bad("wrong number of fields");
        }
    } else {
        return bad("unknown kind");
    }
    const auto h = number(parts[1]);
    if (!h || *h < 1 || *h != std::floor(*h) || *h > 100'000) {
        return bad("horizon must be a whole number of bars >= 1");
    }
    spec.horizon = static_cast<std::size_t>(*h);
    if (spec.kind == Kind::kForwardReturn) {
        if (parts.size() == 3) {
            const auto dz = number(parts[2]);
            if (!dz || *dz >= 1.0) {
                return bad("dead zone must be a fraction in [0, 1)");
            }
            spec.dead_zone = *dz;
        }
        return spec;
    }
    auto tp_text = parts[2];
    auto sl_text = parts[3];
    const bool tp_atr = tp_text.ends_with("atr");
    const bool sl_atr = sl_text.ends_with("atr");
    if (tp_atr != sl_atr) {
        return bad("take profit and stop must use the same unit");
    }
    if (tp_atr) {
        tp_text.remove_suffix(3);
        sl_text.remove_suffix(3);
    }
    const auto tp = number(tp_text);
    const auto sl = number(sl_text);
    if (!tp || !sl || *tp <= 0.0 || *sl <= 0.0) {
        return bad("take profit and stop must be positive numbers");
    }
    spec.atr_units = tp_atr;
    spec.take_profit = *tp;
    spec.stop_loss = *sl;
    return spec;
}

std::string LabelSpec::to_string() const {
    if (kind == Kind::kForwardReturn) {
        return dead_zone > 0.0 ? fmt::format("forward_return:{}:{}", horizon, dead_zone)
                               : fmt::format("forward_return:{}", horizon);
    }
    const char* unit = atr_units ? "atr" : "";
    return fmt::format("triple_barrier:{}:{}{}:{}{}", horizon, take_profit, unit, stop_loss, unit);
}

Labels make_labels(const LabelSpec& spec, const model::BarSeries& series) {
    Labels out;
    const std::size_t n = series.size();
    const auto close = series.close();
    const auto high = series.high();
    const auto low = series.low();
    indicators::Atr atr(14);
    for (std::size_t t = 0; t < n; ++t) {
        atr.update(series.bar(t));
        if (t + spec.horizon >= n) {
            continue;
        }
        const double c0 = close[t].to_double();
        if (spec.kind == LabelSpec::Kind::kForwardReturn) {
            const double r = close[t + spec.horizon].to_double() / c0 - 1.0;
            if (std::abs(r) <= spec.dead_zone) {
                continue;
            }
            out.index.push_back(t);
            out.value.push_back(r > 0.0 ? 1.0F : 0.0F);
            out.horizon_end.push_back(t + spec.horizon);
            continue;
        }
        if (spec.atr_units && !atr.ready()) {
            continue;
        }
        const double up =
            spec.atr_units ? c0 + spec.take_profit * atr.value() : c0 * (1.0 + spec.take_profit);
        const double down =
            spec.atr_units ? c0 - spec.stop_loss * atr.value() : c0 * (1.0 - spec.stop_loss);
        std::size_t end = t + spec.horizon;
        float label = close[end].to_double() > c0 ? 1.0F : 0.0F;
        for (std::size_t k = t + 1; k <= t + spec.horizon; ++k) {
            const bool stop = low[k].to_double() <= down;
            const bool profit = high[k].to_double() >= up;
            if (stop || profit) {
                end = k;
                label = stop ? 0.0F : 1.0F;
                break;
            }
        }
        out.index.push_back(t);
        out.value.push_back(label);
        out.horizon_end.push_back(end);
    }
    return out;
}

}  // namespace ats::ml
