#include "ats/indicators/registry.hpp"

#include <charconv>
#include <cmath>
#include <functional>
#include <set>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "ats/indicators/moving_averages.hpp"
#include "ats/indicators/oscillators.hpp"
#include "ats/indicators/trend.hpp"
#include "ats/indicators/volatility.hpp"
#include "ats/indicators/volume.hpp"

namespace ats::indicators {
namespace {

template <class I>
class Erased final : public AnyIndicator {
public:
    explicit Erased(I indicator) : indicator_(std::move(indicator)) {}
    void update(const Ohlcv& bar) override { indicator_.update(bar); }
    bool ready() const override { return indicator_.ready(); }
    double output(std::size_t index) const override { return indicator_.output(index); }
    std::size_t output_count() const override { return I::kOutputCount; }
    int lookback() const override { return indicator_.lookback(); }

private:
    I indicator_;
};

using Made = Result<std::unique_ptr<AnyIndicator>>;
using Factory = std::function<Made(const std::vector<double>&)>;

template <class I>
Made wrap(Result<I> made) {
    if (!made) {
        return tl::unexpected(made.error());
    }
    return std::unique_ptr<AnyIndicator>(std::make_unique<Erased<I>>(std::move(*made)));
}

int as_int(double v) {
    return static_cast<int>(v);
}

struct Entry {
    IndicatorInfo info;
    Factory factory;
};

ParamInfo period(double default_value) {
    return ParamInfo{"timeperiod", default_value, true};
}

const std::vector<Entry>& entries() {
    static const std::vector<Entry> kEntries = [] {
        std::vector<Entry> e;
        auto single = [&](std::string_view name, std::string_view summary, double def, auto make) {
            e.push_back(Entry{
                IndicatorInfo{name, summary, {period(def)}, {}},
                [make](const std::vector<double>& p) {
                    return wrap(make(as_int(p[0])));
                }});
        };
        single("sma", "simple moving average", 30, [](int n) { return Sma::create(n); });
        single("ema", "exponential moving average", 30, [](int n) { return Ema::create(n); });
        single("wma", "weighted moving average", 30, [](int n) { return Wma::create(n); });
        single("dema", "double EMA", 30, [](int n) { return Dema::create(n); });
        single("tema", "triple EMA", 30, [](int n) { return Tema::create(n); });
        single("trima", "triangular moving average", 30, [](int n) { return Trima::create(n); });
        single(
            "kama", "Kaufman adaptive moving average", 30, [](int n) { return Kama::create(n); });
        single("rsi", "relative strength index", 14, [](int n) { return Rsi::create(n); });
        e.push_back(Entry{
            IndicatorInfo{
                "stoch",
                "slow stochastic (SMA smoothing)",
                {{"fastk_period", 5, true}, {"slowk_period", 3, true}, {"slowd_period", 3, true}},
                {"slowk", "slowd"}},
            [](const std::vector<double>& p) {
                return wrap(Stoch::create(as_int(p[0]), as_int(p[1]), as_int(p[2])));
            }});
        e.push_back(Entry{
            IndicatorInfo{
                "stochf",
                "fast stochastic (SMA smoothing)",
                {{"fastk_period", 5, true}, {"fastd_period", 3, true}},
                {"fastk", "fastd"}},
            [](const std::vector<double>& p) {
                return wrap(StochF::create(as_int(p[0]), as_int(p[1])));
            }});
        e.push_back(Entry{
            IndicatorInfo{
                "stochrsi",
                "stochastic RSI (SMA smoothing)",
                {period(14), {"fastk_period", 5, true}, {"fastd_period", 3, true}},
                {"fastk", "fastd"}},
            [](const std::vector<double>& p) {
                return wrap(StochRsi::create(as_int(p[0]), as_int(p[1]), as_int(p[2])));
            }});
        e.push_back(Entry{
            IndicatorInfo{
                "macd",
                "moving average convergence/divergence",
                {{"fastperiod", 12, true}, {"slowperiod", 26, true}, {"signalperiod", 9, true}},
                {"macd", "macdsignal", "macdhist"}},
            [](const std::vector<double>& p) {
                return wrap(Macd::create(as_int(p[0]), as_int(p[1]), as_int(p[2])));
            }});
        e.push_back(Entry{
            IndicatorInfo{
                "bbands",
                "Bollinger bands (SMA middle band)",
                {period(5), {"nbdevup", 2, false}, {"nbdevdn", 2, false}},
                {"upperband", "middleband", "lowerband"}},
            [](const std::vector<double>& p) {
                return wrap(BBands::create(as_int(p[0]), p[1], p[2]));
            }});
        single("atr", "average true range", 14, [](int n) { return Atr::create(n); });
        single(
            "natr", "normalized ATR (percent of close)", 14, [](int n) { return Natr::create(n); });
        e.push_back(
            Entry{IndicatorInfo{"trange", "true range", {}, {}}, [](const std::vector<double>&) {
                      return wrap(TRange::create());
                  }});
        single("adx", "average directional index", 14, [](int n) { return Adx::create(n); });
        single("adxr", "ADX rating", 14, [](int n) { return Adxr::create(n); });
        single(
            "plus_di", "plus directional indicator", 14, [](int n) { return PlusDi::create(n); });
        single("minus_di", "minus directional indicator", 14, [](int n) {
            return MinusDi::create(n);
        });
        single("cci", "commodity channel index", 14, [](int n) { return Cci::create(n); });
        single("willr", "Williams %R", 14, [](int n) { return Willr::create(n); });
        single("mfi", "money flow index", 14, [](int n) { return Mfi::create(n); });
        e.push_back(Entry{
            IndicatorInfo{"obv", "on balance volume", {}, {}}, [](const std::vector<double>&) {
                return wrap(Obv::create());
            }});
        e.push_back(Entry{
            IndicatorInfo{"ad", "Chaikin accumulation/distribution line", {}, {}},
            [](const std::vector<double>&) {
                return wrap(Ad::create());
            }});
        e.push_back(Entry{
            IndicatorInfo{
                "adosc",
                "Chaikin A/D oscillator",
                {{"fastperiod", 3, true}, {"slowperiod", 10, true}},
                {}},
            [](const std::vector<double>& p) {
                return wrap(AdOsc::create(as_int(p[0]), as_int(p[1])));
            }});
        single("roc", "rate of change (percent)", 10, [](int n) { return Roc::create(n); });
        single("mom", "momentum", 10, [](int n) { return Mom::create(n); });
        single("trix", "1-bar ROC of a triple EMA", 30, [](int n) { return Trix::create(n); });
        e.push_back(Entry{
            IndicatorInfo{
                "sar",
                "parabolic SAR",
                {{"acceleration", 0.02, false}, {"maximum", 0.2, false}},
                {}},
            [](const std::vector<double>& p) {
                return wrap(Sar::create(p[0], p[1]));
            }});
        e.push_back(Entry{
            IndicatorInfo{"aroon", "Aroon", {period(14)}, {"aroondown", "aroonup"}},
            [](const std::vector<double>& p) {
                return wrap(Aroon::create(as_int(p[0])));
            }});
        single("aroonosc", "Aroon oscillator", 14, [](int n) { return AroonOsc::create(n); });
        e.push_back(Entry{
            IndicatorInfo{
                "ultosc",
                "ultimate oscillator",
                {{"timeperiod1", 7, true}, {"timeperiod2", 14, true}, {"timeperiod3", 28, true}},
                {}},
            [](const std::vector<double>& p) {
                return wrap(UltOsc::create(as_int(p[0]), as_int(p[1]), as_int(p[2])));
            }});
        e.push_back(Entry{
            IndicatorInfo{"stddev", "standard deviation", {period(5), {"nbdev", 1, false}}, {}},
            [](const std::vector<double>& p) {
                return wrap(StdDev::create(as_int(p[0]), p[1]));
            }});
        e.push_back(Entry{
            IndicatorInfo{"vwap", "VWAP anchored to the UTC day", {}, {}},
            [](const std::vector<double>&) {
                return wrap(Vwap::create());
            }});
        single("rolling_vwap", "VWAP over the last N bars", 20, [](int n) {
            return RollingVwap::create(n);
        });
        e.push_back(Entry{
            IndicatorInfo{
                "keltner",
                "Keltner channels (EMA middle, ATR bands)",
                {period(20), {"multiplier", 2, false}, {"atr_period", 10, true}},
                {"upperband", "middleband", "lowerband"}},
            [](const std::vector<double>& p) {
                return wrap(Keltner::create(as_int(p[0]), p[1], as_int(p[2])));
            }});
        e.push_back(Entry{
            IndicatorInfo{
                "donchian",
                "Donchian channels",
                {period(20)},
                {"upperband", "middleband", "lowerband"}},
            [](const std::vector<double>& p) {
                return wrap(Donchian::create(as_int(p[0])));
            }});
        e.push_back(Entry{
            IndicatorInfo{
                "supertrend",
                "Supertrend (ATR bands)",
                {period(10), {"multiplier", 3, false}},
                {"supertrend", "direction"}},
            [](const std::vector<double>& p) {
                return wrap(Supertrend::create(as_int(p[0]), p[1]));
            }});
        return e;
    }();
    return kEntries;
}

const Entry* find_entry(std::string_view name) {
    for (const auto& entry : entries()) {
        if (entry.info.name == name) {
            return &entry;
        }
    }
    return nullptr;
}

std::string usage_of(const IndicatorInfo& info) {
    std::string out(info.name);
    std::string defaults;
    for (const auto& p : info.params) {
        out += fmt::format("[:{}", p.name);
        defaults += fmt::format("{}{}", defaults.empty() ? "" : ":", p.default_value);
    }
    for (std::size_t i = 0; i < info.params.size(); ++i) {
        out.push_back(']');
    }
    if (!defaults.empty()) {
        out += fmt::format(" (defaults {})", defaults);
    }
    return out;
}

std::string format_param(double v, bool integer) {
    if (integer) {
        return fmt::format("{}", static_cast<long long>(v));
    }
    return fmt::format("{}", v);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

}  // namespace

const std::vector<IndicatorInfo>& indicator_catalog() {
    static const std::vector<IndicatorInfo> kCatalog = [] {
        std::vector<IndicatorInfo> out;
        for (const auto& e : entries()) {
            out.push_back(e.info);
        }
        return out;
    }();
    return kCatalog;
}

std::string indicator_usage() {
    std::string out;
    for (const auto& e : entries()) {
        out += fmt::format("  {}: {}\n", usage_of(e.info), e.info.summary);
    }
    return out;
}

Result<IndicatorSpec> parse_indicator_spec(std::string_view text) {
    text = trim(text);
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t colon = text.find(':', start);
        parts.push_back(
            trim(text.substr(start, colon == std::string_view::npos ? colon : colon - start)));
        if (colon == std::string_view::npos) {
            break;
        }
        start = colon + 1;
    }
    const std::string name = lower(parts[0]);
    const Entry* entry = find_entry(name);
    if (entry == nullptr) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "unknown indicator '{}'; valid indicators (name[:param...]):\n{}",
                parts[0],
                indicator_usage()));
    }
    const auto& info = entry->info;
    if (parts.size() - 1 > info.params.size()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "'{}': {} takes at most {} parameter(s): {}",
                text,
                info.name,
                info.params.size(),
                usage_of(info)));
    }
    IndicatorSpec spec;
    spec.name = name;
    for (std::size_t i = 0; i < info.params.size(); ++i) {
        const auto& p = info.params[i];
        if (i + 1 >= parts.size()) {
            spec.params.push_back(p.default_value);
            continue;
        }
        const std::string_view field = parts[i + 1];
        double value = 0.0;
        bool ok = false;
        if (p.integer) {
            long long v = 0;
            const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
            ok = ec == std::errc() && ptr == field.data() + field.size() && v >= -1'000'000'000 &&
                 v <= 1'000'000'000;
            value = static_cast<double>(v);
        } else {
            const auto [ptr, ec] =
                std::from_chars(field.data(), field.data() + field.size(), value);
            ok = ec == std::errc() && ptr == field.data() + field.size() && std::isfinite(value);
        }
        if (!ok) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "'{}': {} of {} must be {}, got '{}'; usage: {}",
                    text,
                    p.name,
                    info.name,
                    p.integer ? "an integer" : "a number",
                    field,
                    usage_of(info)));
        }
        spec.params.push_back(value);
    }
    // Validate by building once, so a bad value is reported while parsing.
    if (auto made = entry->factory(spec.params); !made) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("'{}': {}; usage: {}", text, made.error().message, usage_of(info)));
    }
    std::string base(info.name);
    for (std::size_t i = 0; i < info.params.size(); ++i) {
        base = fmt::format("{}_{}", base, format_param(spec.params[i], info.params[i].integer));
    }
    if (info.outputs.empty()) {
        spec.columns.push_back(base);
    } else {
        for (const auto out : info.outputs) {
            spec.columns.push_back(fmt::format("{}_{}", base, out));
        }
    }
    return spec;
}

Result<std::vector<IndicatorSpec>> parse_indicator_set(std::string_view text) {
    std::vector<IndicatorSpec> out;
    std::set<std::string> seen;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        const std::string_view item =
            trim(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
        if (item.empty()) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "empty entry in indicator set '{}'; valid indicators "
                    "(name[:param...]):\n{}",
                    text,
                    indicator_usage()));
        }
        auto spec = parse_indicator_spec(item);
        if (!spec) {
            return tl::unexpected(spec.error());
        }
        for (const auto& column : spec->columns) {
            if (!seen.insert(column).second) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format("indicator column '{}' is requested twice", column));
            }
        }
        out.push_back(std::move(*spec));
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
    return out;
}

Result<std::unique_ptr<AnyIndicator>> make_indicator(const IndicatorSpec& spec) {
    const Entry* entry = find_entry(spec.name);
    if (entry == nullptr) {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("unknown indicator '{}'", spec.name));
    }
    if (spec.params.size() != entry->info.params.size()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{}: expected {} parameters", spec.name, entry->info.params.size()));
    }
    return entry->factory(spec.params);
}

Result<std::vector<std::vector<double>>> compute(
    const IndicatorSpec& spec, const BarColumns& bars) {
    auto made = make_indicator(spec);
    if (!made) {
        return tl::unexpected(made.error());
    }
    AnyIndicator& indicator = **made;
    std::vector<std::vector<double>> out(
        indicator.output_count(), std::vector<double>(bars.size(), kNaN));
    for (std::size_t i = 0; i < bars.size(); ++i) {
        indicator.update(bars.at(i));
        if (indicator.ready()) {
            for (std::size_t k = 0; k < out.size(); ++k) {
                out[k][i] = indicator.output(k);
            }
        }
    }
    return out;
}

}  // namespace ats::indicators
