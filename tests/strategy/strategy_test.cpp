#include "ats/strategy/strategy.hpp"

#include <gtest/gtest.h>

#include "testkit.hpp"

namespace ats::strategy {
namespace {

using namespace ats::testing;  // NOLINT(google-build-using-namespace): test helpers

struct Ctx final : StrategyContext {
    Timestamp now() const override { return Timestamp{}; }
    Qty position(const Symbol&) const override { return pos; }
    void signal(
        const Symbol&, model::Direction d, double, double, std::string_view reason) override {
        signals.emplace_back(d, std::string(reason));
    }
    Qty pos;
    std::vector<std::pair<model::Direction, std::string>> signals;
};

void feed(Strategy& s, Ctx& ctx, const std::vector<double>& closes) {
    std::int64_t h = 0;
    for (const double c : closes) {
        const std::string p = fmt::format("{}", c);
        s.on_bar(sym("BTCUSDT"), bar(h++, p.c_str(), p.c_str(), p.c_str(), p.c_str()), ctx);
    }
}

TEST(StrategyTest, SmaCrossSignalsOnSignChangesOnly) {
    auto s = make_strategy("sma_cross", {{"fast", 2}, {"slow", 3}});
    ASSERT_TRUE(s);
    Ctx ctx;
    // SMA2 - SMA3: undefined, undefined, 0 (flat start), then rising prices give +, falling give -.
    feed(**s, ctx, {10, 10, 10, 11, 12, 13, 12, 10, 9, 9, 12, 14});
    ASSERT_EQ(ctx.signals.size(), 2U);
    EXPECT_EQ(
        ctx.signals[0].first,
        model::Direction::kFlat);  // the first sign after a zero start is only recorded
    EXPECT_EQ(ctx.signals[1].first, model::Direction::kLong);
    EXPECT_EQ((*s)->plot_names(), (std::vector<std::string>{"sma_2", "sma_3"}));
}

TEST(StrategyTest, BuiltinsValidateParametersByName) {
    const std::pair<const char*, Params> bad[] = {
        {"sma_cross", {{"fast", 30}, {"slow", 10}}},
        {"sma_cross", {{"fast", 2.5}}},
        {"sma_cross", {{"speed", 3}}},
        {"rsi_reversion", {{"lower", 80}, {"upper", 70}}},
        {"macd", {{"signal", 0}}},
        {"bollinger_breakout", {{"k", -1}}},
    };
    for (const auto& [name, params] : bad) {
        auto s = make_strategy(name, params);
        ASSERT_FALSE(s) << name;
        EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
        EXPECT_NE(s.error().message.find(name), std::string::npos) << s.error().message;
    }
    EXPECT_NE(
        make_strategy("sma_cross", {{"speed", 3}}).error().message.find("'speed'"),
        std::string::npos);
    EXPECT_NE(
        make_strategy("nope", {}).error().message.find("bollinger_breakout"), std::string::npos);
    for (const char* name :
         {"sma_cross", "ema_cross", "rsi_reversion", "macd", "bollinger_breakout"}) {
        EXPECT_TRUE(make_strategy(name, {})) << name;
    }
}

TEST(StrategyTest, RsiReversionBuysOversoldAndExitsOverbought) {
    auto s = make_strategy("rsi_reversion", {{"period", 3}, {"lower", 30}, {"upper", 70}});
    ASSERT_TRUE(s);
    Ctx ctx;
    feed(**s, ctx, {100, 101, 102, 103, 104, 100, 96, 92, 95, 99, 104, 108});
    ASSERT_GE(ctx.signals.size(), 2U);
    EXPECT_EQ(ctx.signals.front().first, model::Direction::kLong);
    EXPECT_EQ(ctx.signals.back().first, model::Direction::kFlat);
}

}  // namespace
}  // namespace ats::strategy

namespace ats::strategy {
namespace {

TEST(StrategyTest, MlNeedsAModelDirectory) {
    auto no_model = make_strategy("ml", {});
    ASSERT_FALSE(no_model.has_value());
    EXPECT_EQ(no_model.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(no_model.error().message.find("model"), std::string::npos);
    StrategySources sources;
    sources.model_dir = "/nonexistent/model";
    auto missing = make_strategy("ml", {}, sources);
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
    auto bad = make_strategy("ml", {{"entry", 0.4}, {"exit", 0.6}}, sources);
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().message.find("exit"), std::string::npos);
    sources.predictions = "/nonexistent/preds.csv";
    auto both = make_strategy("ml", {}, sources);
    ASSERT_FALSE(both.has_value());
    EXPECT_NE(both.error().message.find("not both"), std::string::npos);
}

}  // namespace
}  // namespace ats::strategy
