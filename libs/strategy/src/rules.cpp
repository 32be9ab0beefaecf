#include "ats/strategy/rules.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "ats/altdata/alt_features.hpp"
#include "ats/indicators/moving_averages.hpp"
#include "ats/indicators/oscillators.hpp"
#include "ats/indicators/trend.hpp"
#include "ats/indicators/volatility.hpp"
#include "ats/indicators/volume.hpp"

namespace ats::strategy {
namespace {

constexpr std::array<std::string_view, kRuleFeatureCount> kFeatureNames = {
    "rsi",
    "sma_dist",
    "ema_dist",
    "roc",
    "willr",
    "cci",
    "adx",
    "natr",
    "bb_pctb",
    "mfi",
    "fear_greed",
    "onchain_active_z",
    "onchain_mvrv_z",
    "news_sentiment"};
constexpr std::array<FeatureRange, kRuleFeatureCount> kRanges = {{
    {10, 90},
    {-0.1, 0.1},
    {-0.1, 0.1},
    {-10, 10},
    {-95, -5},
    {-200, 200},
    {10, 50},
    {0.2, 3},
    {-0.2, 1.2},
    {10, 90},
    {10, 90},
    {-2.5, 2.5},
    {-2.5, 2.5},
    {-0.4, 0.4},
}};
constexpr std::array<std::string_view, kComparatorCount> kComparatorNames = {
    "<", ">", "crosses_above", "crosses_below"};

constexpr int kMaxPeriod = 1000;

/// The period range of a feature: [2, 1000] for indicators; fear_greed takes none (1); on-chain
/// z-scores need two days; news windows are hours.
std::pair<int, int> period_range(RuleFeature f) {
    switch (f) {
        case RuleFeature::kFearGreed:
            return {1, 1};
        case RuleFeature::kNewsSentiment:
            return {1, 90 * 24};
        default:
            return {2, kMaxPeriod};
    }
}

/// The alternative-data feature name a rule feature reads (altdata::check_alt_feature_name).
std::string alt_name(RuleFeature f, int period) {
    switch (f) {
        case RuleFeature::kFearGreed:
            return "fear_greed";
        case RuleFeature::kOnchainActiveZ:
            return fmt::format("onchain_active_addresses_z:{}", period);
        case RuleFeature::kOnchainMvrvZ:
            return fmt::format("onchain_mvrv_z:{}", period);
        case RuleFeature::kNewsSentiment:
            return fmt::format("news_sentiment_mean:{}h", period);
        default:
            return {};
    }
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

Result<Condition> parse_condition(std::string_view text) {
    const auto fail = [&](std::string_view why) -> Result<Condition> {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "rule condition '{}': {} (expected e.g. 'rsi(14) < 30'; features: {}; "
                "comparators: {})",
                text,
                why,
                fmt::join(kFeatureNames, ", "),
                fmt::join(kComparatorNames, ", ")));
    };
    text = trim(text);
    const auto open = text.find('(');
    const auto close = text.find(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
        return fail("missing '(period)'");
    }
    Condition c;
    const std::string_view name = trim(text.substr(0, open));
    bool found = false;
    for (std::size_t i = 0; i < kFeatureNames.size(); ++i) {
        if (kFeatureNames[i] == name) {
            c.feature = static_cast<RuleFeature>(i);
            found = true;
        }
    }
    if (!found) {
        return fail(fmt::format("unknown feature '{}'", name));
    }
    const std::string_view period_text = trim(text.substr(open + 1, close - open - 1));
    const auto [pend, pec] =
        std::from_chars(period_text.data(), period_text.data() + period_text.size(), c.period);
    const auto [lo, hi] = period_range(c.feature);
    if (pec != std::errc{} || pend != period_text.data() + period_text.size() || c.period < lo ||
        c.period > hi) {
        return fail(fmt::format(
            "period '{}' of {} must be a whole number in [{}, {}]", period_text, name, lo, hi));
    }
    std::string_view rest = trim(text.substr(close + 1));
    const auto space = rest.find_first_of(" \t");
    if (space == std::string_view::npos) {
        return fail("missing comparator or threshold");
    }
    const std::string_view op = rest.substr(0, space);
    found = false;
    for (std::size_t i = 0; i < kComparatorNames.size(); ++i) {
        if (kComparatorNames[i] == op) {
            c.comparator = static_cast<Comparator>(i);
            found = true;
        }
    }
    if (!found) {
        return fail(fmt::format("unknown comparator '{}'", op));
    }
    const std::string_view number = trim(rest.substr(space));
    const auto [nend, nec] =
        std::from_chars(number.data(), number.data() + number.size(), c.threshold);
    if (nec != std::errc{} || nend != number.data() + number.size() ||
        !std::isfinite(c.threshold)) {
        return fail(fmt::format("threshold '{}' is not a number", number));
    }
    return c;
}

}  // namespace

std::string_view to_string(RuleFeature feature) noexcept {
    return kFeatureNames[static_cast<std::size_t>(feature)];
}
FeatureRange typical_range(RuleFeature feature) noexcept {
    return kRanges[static_cast<std::size_t>(feature)];
}
std::string_view to_string(Comparator comparator) noexcept {
    return kComparatorNames[static_cast<std::size_t>(comparator)];
}

Result<Rule> parse_rule(std::string_view text) {
    Rule rule;
    text = trim(text);
    if (text.empty() || text == "none") {
        return rule;
    }
    bool saw_and = false;
    bool saw_or = false;
    std::size_t start = 0;
    while (true) {
        // Find the next " and " / " or " separator.
        std::size_t best = std::string_view::npos;
        std::size_t len = 0;
        for (const auto& [word, flag] :
             {std::pair<std::string_view, bool*>{" and ", &saw_and}, {" or ", &saw_or}}) {
            const auto at = text.find(word, start);
            if (at != std::string_view::npos && at < best) {
                best = at;
                len = word.size();
            }
        }
        auto c = parse_condition(text.substr(start, best - start));
        if (!c) {
            return tl::unexpected(c.error());
        }
        rule.conditions.push_back(*c);
        if (best == std::string_view::npos) {
            break;
        }
        (len == 5 ? saw_and : saw_or) = true;
        start = best + len;
    }
    if (saw_and && saw_or) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("rule '{}': mixes 'and' and 'or'; use one operator per rule", text));
    }
    rule.logic = saw_or ? Logic::kOr : Logic::kAnd;
    return rule;
}

std::string to_string(const Rule& rule) {
    if (rule.conditions.empty()) {
        return "none";
    }
    std::string out;
    for (const auto& c : rule.conditions) {
        if (!out.empty()) {
            out += rule.logic == Logic::kAnd ? " and " : " or ";
        }
        out += fmt::format(
            "{}({}) {} {}", to_string(c.feature), c.period, to_string(c.comparator), c.threshold);
    }
    return out;
}

struct FeatureComputer::Impl {
    RuleFeature feature;
    std::variant<
        indicators::Rsi,
        indicators::Sma,
        indicators::Ema,
        indicators::Roc,
        indicators::Willr,
        indicators::Cci,
        indicators::Adx,
        indicators::Natr,
        indicators::BBands,
        indicators::Mfi,
        std::shared_ptr<const altdata::AltSeries>>
        ind;
};

FeatureComputer::FeatureComputer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FeatureComputer::FeatureComputer(FeatureComputer&&) noexcept = default;
FeatureComputer& FeatureComputer::operator=(FeatureComputer&&) noexcept = default;
FeatureComputer::~FeatureComputer() = default;

Result<FeatureComputer> FeatureComputer::create(
    RuleFeature feature,
    int period,
    const std::shared_ptr<const altdata::AltData>& alt,
    std::string_view asset) {
    const auto [lo, hi] = period_range(feature);
    if (period < lo || period > hi) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{}: period {} must be in [{}, {}]", to_string(feature), period, lo, hi));
    }
    using namespace indicators;
    auto make = [&](auto&& ind) {
        return FeatureComputer(std::unique_ptr<Impl>(new Impl{feature, std::move(ind)}));
    };
    if (needs_altdata(feature)) {
        if (!alt) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "rule feature {}({}) needs alternative data ([strategy] altdata = FILE or "
                    "--altdata; docs/altdata.md)",
                    to_string(feature),
                    period));
        }
        auto series = alt->feature(alt_name(feature, period), asset);
        if (!series) {
            return tl::unexpected(series.error());
        }
        return make(std::move(*series));
    }
    switch (feature) {
        case RuleFeature::kRsi:
            return make(Rsi(period));
        case RuleFeature::kSmaDist:
            return make(Sma(period));
        case RuleFeature::kEmaDist:
            return make(Ema(period));
        case RuleFeature::kRoc:
            return make(Roc(period));
        case RuleFeature::kWillr:
            return make(Willr(period));
        case RuleFeature::kCci:
            return make(Cci(period));
        case RuleFeature::kAdx:
            return make(Adx(period));
        case RuleFeature::kNatr:
            return make(Natr(period));
        case RuleFeature::kBbPctB:
            return make(BBands(period, 2.0, 2.0));
        case RuleFeature::kMfi:
            return make(Mfi(period));
        default:
            break;
    }
    return make_error(ErrorCode::kInvalidArgument, "unknown rule feature");
}

double FeatureComputer::update(const model::Bar& bar) {
    const double close = bar.close.to_double();
    return std::visit(
        [&](auto& ind) -> double {
            using T = std::decay_t<decltype(ind)>;
            if constexpr (std::is_same_v<T, std::shared_ptr<const altdata::AltSeries>>) {
                return ind->at(bar.close_time);
            } else if constexpr (
                std::is_same_v<T, indicators::Sma> || std::is_same_v<T, indicators::Ema>) {
                ind.update(close);
                return ind.ready() ? close / ind.value() - 1.0 : NAN;
            } else if constexpr (std::is_same_v<T, indicators::BBands>) {
                ind.update(close);
                if (!ind.ready()) {
                    return NAN;
                }
                const double width = ind.upperband() - ind.lowerband();
                return width > 0 ? (close - ind.lowerband()) / width : 0.5;
            } else if constexpr (
                std::is_same_v<T, indicators::Rsi> || std::is_same_v<T, indicators::Roc>) {
                ind.update(close);
                return ind.ready() ? ind.value() : NAN;
            } else {
                ind.update(bar);
                return ind.ready() ? ind.value() : NAN;
            }
        },
        impl_->ind);
}

struct FeatureCache::Store {
    std::mutex mutex;
    std::map<std::pair<int, int>, std::unique_ptr<std::vector<double>>> series;
};

FeatureCache::FeatureCache(
    Symbol symbol, model::BarSeries series, std::shared_ptr<const altdata::AltData> alt)
    : symbol_(symbol),
      series_(std::move(series)),
      alt_(std::move(alt)),
      store_(std::make_shared<Store>()) {}

Result<std::span<const double>> FeatureCache::get(RuleFeature feature, int period) const {
    const std::lock_guard lock(store_->mutex);
    auto& slot = store_->series[{static_cast<int>(feature), period}];
    if (!slot) {
        auto computer =
            FeatureComputer::create(feature, period, alt_, altdata::base_asset(symbol_.view()));
        if (!computer) {
            return tl::unexpected(computer.error());
        }
        auto values = std::make_unique<std::vector<double>>();
        values->reserve(series_.size());
        for (std::size_t i = 0; i < series_.size(); ++i) {
            values->push_back(computer->update(series_.bar(i)));
        }
        slot = std::move(values);
    }
    return std::span<const double>(*slot);
}

}  // namespace ats::strategy

namespace ats::strategy {
namespace {

class RuleStrategy final : public Strategy {
public:
    RuleStrategy(
        Rule entry,
        Rule exit,
        std::shared_ptr<const FeatureCache> cache,
        std::shared_ptr<const altdata::AltData> alt)
        : entry_(std::move(entry)),
          exit_(std::move(exit)),
          cache_(std::move(cache)),
          alt_(std::move(alt)) {
        for (const Rule* rule : {&entry_, &exit_}) {
            for (const auto& c : rule->conditions) {
                const std::pair<RuleFeature, int> key{c.feature, c.period};
                if (std::find(keys_.begin(), keys_.end(), key) == keys_.end()) {
                    keys_.push_back(key);
                }
                warmup_ = std::max<std::size_t>(warmup_, static_cast<std::size_t>(c.period) + 1);
            }
        }
        for (const Rule* rule : {&entry_, &exit_}) {
            auto& slots = rule == &entry_ ? entry_slots_ : exit_slots_;
            for (const auto& c : rule->conditions) {
                const std::pair<RuleFeature, int> key{c.feature, c.period};
                slots.push_back(static_cast<std::size_t>(
                    std::find(keys_.begin(), keys_.end(), key) - keys_.begin()));
            }
        }
    }

    std::string_view name() const override { return "rules"; }
    std::size_t warmup_bars() const override { return warmup_; }

    void on_bar(const Symbol& symbol, const model::Bar& bar, StrategyContext& ctx) override {
        State* s = find(symbol);
        if (s == nullptr) {
            states_.emplace_back(symbol, make_state(symbol));
            s = &states_.back().second;
        }
        s->previous = s->current;
        if (!s->cached.empty()) {
            const auto times = cache_->open_time();
            if (s->index >= times.size() || times[s->index] != bar.open_time) {
                const auto it = std::lower_bound(times.begin(), times.end(), bar.open_time);
                s->index = static_cast<std::size_t>(it - times.begin());
            }
            const bool hit = s->index < times.size() && times[s->index] == bar.open_time;
            for (std::size_t k = 0; k < keys_.size(); ++k) {
                s->current[k] = hit ? s->cached[k][s->index] : NAN;
            }
            ++s->index;
        } else if (!s->unavailable) {
            for (std::size_t k = 0; k < keys_.size(); ++k) {
                s->current[k] = s->computers[k].update(bar);
            }
        }
        const bool is_long = ctx.position(symbol).is_positive();
        if (!is_long && holds(entry_, entry_slots_, *s)) {
            ctx.signal(symbol, model::Direction::kLong, 1.0, 1.0, "entry rule");
        } else if (is_long && holds(exit_, exit_slots_, *s)) {
            ctx.signal(symbol, model::Direction::kFlat, 1.0, 1.0, "exit rule");
        }
    }

private:
    struct State {
        std::vector<FeatureComputer> computers;
        std::vector<std::span<const double>> cached;
        std::vector<double> current;
        std::vector<double> previous;
        std::size_t index = 0;
        bool unavailable = false;  ///< the alternative data does not cover this symbol
    };

    State* find(const Symbol& symbol) {
        for (auto& [sym, state] : states_) {
            if (sym == symbol) {
                return &state;
            }
        }
        return nullptr;
    }

    State make_state(const Symbol& symbol) const {
        State s;
        s.current.assign(keys_.size(), NAN);
        s.previous.assign(keys_.size(), NAN);
        if (cache_ && cache_->symbol() == symbol) {
            for (const auto& [feature, period] : keys_) {
                auto values = cache_->get(feature, period);
                ATS_CHECK(values.has_value(), "rules: feature validated at construction");
                s.cached.push_back(*values);
            }
            return s;
        }
        for (const auto& [feature, period] : keys_) {
            auto computer =
                FeatureComputer::create(feature, period, alt_, altdata::base_asset(symbol.view()));
            if (!computer) {
                // Checked for the first symbol when the strategy was made; another symbol the
                // alternative data does not cover never satisfies the condition, said once.
                std::fprintf(
                    stderr,
                    "rules: %s: %s\n",
                    symbol.to_string().c_str(),
                    computer.error().message.c_str());
                s.computers.clear();
                s.unavailable = true;
                return s;
            }
            s.computers.push_back(std::move(*computer));
        }
        return s;
    }

    static bool condition_holds(const Condition& c, double now, double before) {
        if (std::isnan(now)) {
            return false;
        }
        switch (c.comparator) {
            case Comparator::kBelow:
                return now < c.threshold;
            case Comparator::kAbove:
                return now > c.threshold;
            case Comparator::kCrossesAbove:
                return before < c.threshold && now >= c.threshold;
            case Comparator::kCrossesBelow:
                return before > c.threshold && now <= c.threshold;
        }
        return false;
    }

    static bool holds(const Rule& rule, const std::vector<std::size_t>& slots, const State& s) {
        if (rule.conditions.empty()) {
            return false;
        }
        const bool all = rule.logic == Logic::kAnd;
        for (std::size_t i = 0; i < rule.conditions.size(); ++i) {
            const bool h =
                condition_holds(rule.conditions[i], s.current[slots[i]], s.previous[slots[i]]);
            if (all && !h) {
                return false;
            }
            if (!all && h) {
                return true;
            }
        }
        return all;
    }

    Rule entry_;
    Rule exit_;
    std::shared_ptr<const FeatureCache> cache_;
    std::shared_ptr<const altdata::AltData> alt_;
    std::vector<std::pair<RuleFeature, int>> keys_;
    std::vector<std::size_t> entry_slots_;
    std::vector<std::size_t> exit_slots_;
    std::size_t warmup_ = 0;
    std::vector<std::pair<Symbol, State>> states_;
};

}  // namespace

Result<std::unique_ptr<Strategy>> make_rule_strategy(
    Rule entry,
    Rule exit,
    std::shared_ptr<const FeatureCache> cache,
    std::shared_ptr<const altdata::AltData> alt) {
    if (entry.conditions.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "rules: the entry rule is empty");
    }
    for (const Rule* rule : {&entry, &exit}) {
        for (const auto& c : rule->conditions) {
            if (needs_altdata(c.feature)) {
                // Checked against the cache's symbol when there is one, else by name only
                // (the symbols are not known yet).
                if (cache) {
                    if (auto v = cache->get(c.feature, c.period); !v) {
                        return tl::unexpected(v.error());
                    }
                } else if (!alt) {
                    auto computer = FeatureComputer::create(c.feature, c.period, alt);
                    return tl::unexpected(computer.error());
                }
                continue;
            }
            if (auto computer = FeatureComputer::create(c.feature, c.period); !computer) {
                return tl::unexpected(computer.error());
            }
        }
    }
    return std::unique_ptr<Strategy>(std::make_unique<RuleStrategy>(
        std::move(entry), std::move(exit), std::move(cache), std::move(alt)));
}

}  // namespace ats::strategy
