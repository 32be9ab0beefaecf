#include "ats/indicators/registry.hpp"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ats/indicators/moving_averages.hpp"

#include "test_data.hpp"

namespace ats::indicators {
namespace {

std::vector<std::string> columns_of(const std::string& set) {
    auto specs = parse_indicator_set(set);
    EXPECT_TRUE(specs.has_value()) << (specs ? "" : specs.error().message);
    std::vector<std::string> out;
    if (specs) {
        for (const auto& s : *specs) {
            out.insert(out.end(), s.columns.begin(), s.columns.end());
        }
    }
    return out;
}

TEST(RegistryTest, NamesColumnsLikeTheIssue) {
    EXPECT_EQ(
        columns_of("sma:20,ema:20,rsi:14,macd:12:26:9"),
        (std::vector<std::string>{
            "sma_20",
            "ema_20",
            "rsi_14",
            "macd_12_26_9_macd",
            "macd_12_26_9_macdsignal",
            "macd_12_26_9_macdhist"}));
    EXPECT_EQ(
        columns_of("bbands:20:2:2"),
        (std::vector<std::string>{
            "bbands_20_2_2_upperband", "bbands_20_2_2_middleband", "bbands_20_2_2_lowerband"}));
    EXPECT_EQ(
        columns_of("stoch:14:3:3,aroon:14,stochrsi:14:14:3"),
        (std::vector<std::string>{
            "stoch_14_3_3_slowk",
            "stoch_14_3_3_slowd",
            "aroon_14_aroondown",
            "aroon_14_aroonup",
            "stochrsi_14_14_3_fastk",
            "stochrsi_14_14_3_fastd"}));
    EXPECT_EQ(
        columns_of("sar:0.02:0.2, obv ,AD"),
        (std::vector<std::string>{"sar_0.02_0.2", "obv", "ad"}));
}

TEST(RegistryTest, OmittedTrailingParametersTakeTaLibDefaults) {
    EXPECT_EQ(
        columns_of("stoch"), (std::vector<std::string>{"stoch_5_3_3_slowk", "stoch_5_3_3_slowd"}));
    EXPECT_EQ(
        columns_of("macd:5"),
        (std::vector<std::string>{
            "macd_5_26_9_macd", "macd_5_26_9_macdsignal", "macd_5_26_9_macdhist"}));
    EXPECT_EQ(
        columns_of("rsi,sma,bbands:10"),
        (std::vector<std::string>{
            "rsi_14",
            "sma_30",
            "bbands_10_2_2_upperband",
            "bbands_10_2_2_middleband",
            "bbands_10_2_2_lowerband"}));
}

TEST(RegistryTest, CatalogCoversTheIssue) {
    const char* expected[] = {
        "sma",          "ema",     "wma",      "dema",      "tema",    "trima",    "kama",
        "rsi",          "stoch",   "stochf",   "stochrsi",  "macd",    "bbands",   "atr",
        "natr",         "trange",  "adx",      "adxr",      "plus_di", "minus_di", "cci",
        "willr",        "mfi",     "obv",      "ad",        "adosc",   "roc",      "mom",
        "trix",         "sar",     "aroon",    "aroonosc",  "ultosc",  "stddev",   "vwap",
        "rolling_vwap", "keltner", "donchian", "supertrend"};
    for (const char* name : expected) {
        auto spec = parse_indicator_spec(name);
        EXPECT_TRUE(spec.has_value()) << name << ": " << (spec ? "" : spec.error().message);
    }
    EXPECT_EQ(indicator_catalog().size(), std::size(expected));
}

TEST(RegistryTest, BadInputIsAClearError) {
    auto unknown = parse_indicator_spec("smaa:20");
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(unknown.error().message.find("unknown indicator 'smaa'"), std::string::npos);
    EXPECT_NE(
        unknown.error().message.find("macd[:fastperiod[:slowperiod[:signalperiod]]]"),
        std::string::npos)
        << unknown.error().message;

    auto not_a_number = parse_indicator_spec("sma:abc");
    ASSERT_FALSE(not_a_number.has_value());
    EXPECT_NE(not_a_number.error().message.find("must be an integer"), std::string::npos);

    auto fractional = parse_indicator_spec("rsi:14.5");
    ASSERT_FALSE(fractional.has_value());

    auto too_many = parse_indicator_spec("rsi:14:3");
    ASSERT_FALSE(too_many.has_value());
    EXPECT_NE(too_many.error().message.find("at most 1"), std::string::npos);

    auto out_of_range = parse_indicator_spec("sma:1");
    ASSERT_FALSE(out_of_range.has_value());
    EXPECT_NE(out_of_range.error().message.find("[2, 100000]"), std::string::npos);

    EXPECT_FALSE(parse_indicator_set("sma:20,,ema:5").has_value());
    EXPECT_FALSE(parse_indicator_set("").has_value());
    EXPECT_FALSE(parse_indicator_set("sma:20,sma:20").has_value());
    EXPECT_FALSE(parse_indicator_spec("bbands:20:x").has_value());
}

TEST(RegistryTest, ComputeEqualsTypedBatch) {
    const BarColumns& bars = testing::bundled("BTCUSDT_1h_2021-04_2025-12.csv");
    auto spec = parse_indicator_spec("kama:10");
    ASSERT_TRUE(spec.has_value());
    auto via_registry = compute(*spec, bars);
    ASSERT_TRUE(via_registry.has_value());
    const auto typed = batch(Kama(10), bars);
    ASSERT_EQ((*via_registry)[0].size(), typed[0].size());
    for (std::size_t i = 0; i < typed[0].size(); ++i) {
        const double a = (*via_registry)[0][i];
        const double b = typed[0][i];
        ASSERT_TRUE((std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0) << i;
    }
}

}  // namespace
}  // namespace ats::indicators
