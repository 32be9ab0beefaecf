#include "ats/binance/local_book.hpp"

#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ats::binance {
namespace {

DepthUpdate update(const std::string& json) {
    DepthUpdate out;
    auto parsed = parse_depth_update(json, out);
    EXPECT_TRUE(parsed) << parsed.error().to_string();
    return out;
}

DepthSnapshot snapshot(const std::string& json) {
    DepthSnapshot out;
    auto parsed = parse_depth_snapshot(json, out);
    EXPECT_TRUE(parsed) << parsed.error().to_string();
    return out;
}

TEST(DepthParseTest, ParsesRawAndCombinedEventsExactly) {
    const auto raw = update(
        R"({"e":"depthUpdate","E":123,"s":"BNBBTC","U":157,"u":160,"b":[["0.0024","10"]],"a":[["0.0026","100"],["0.0027","0"]],"x":"unknown field"})");
    EXPECT_EQ(raw.symbol, "BNBBTC");
    EXPECT_EQ(raw.first_id, 157);
    EXPECT_EQ(raw.final_id, 160);
    ASSERT_EQ(raw.bids.size(), 1U);
    EXPECT_EQ(raw.bids[0].first, *Price::parse("0.0024"));
    EXPECT_EQ(raw.bids[0].second, *Qty::parse("10"));
    ASSERT_EQ(raw.asks.size(), 2U);
    EXPECT_TRUE(raw.asks[1].second.is_zero());
    const auto combined = update(
        R"({"stream":"bnbbtc@depth","data":{"e":"depthUpdate","E":1,"s":"BNBBTC","U":5,"u":6,"b":[],"a":[["1.5","2"]]}})");
    EXPECT_EQ(combined.first_id, 5);
    EXPECT_EQ(combined.asks[0].first, *Price::parse("1.5"));
}

TEST(DepthParseTest, MalformedMessagesAreErrorsNotCrashes) {
    DepthUpdate out;
    EXPECT_FALSE(parse_depth_update("{not json", out));
    EXPECT_FALSE(parse_depth_update("[]", out));
    EXPECT_FALSE(parse_depth_update(R"({"e":"trade","U":1,"u":2})", out));
    EXPECT_FALSE(parse_depth_update(R"({"e":"depthUpdate","u":2,"b":[],"a":[]})", out));
    EXPECT_FALSE(parse_depth_update(R"({"e":"depthUpdate","U":3,"u":2,"b":[],"a":[]})", out));
    EXPECT_FALSE(
        parse_depth_update(R"({"e":"depthUpdate","U":1,"u":2,"b":[["x","1"]],"a":[]})", out));
    EXPECT_FALSE(parse_depth_update(R"({"e":"depthUpdate","U":1,"u":2,"b":[["1"]],"a":[]})", out));
    EXPECT_FALSE(parse_depth_update(R"({"e":"depthUpdate","U":1,"u":2,"b":[[1,2]],"a":[]})", out));
    DepthSnapshot snap;
    EXPECT_FALSE(parse_depth_snapshot(R"({"bids":[],"asks":[]})", snap));
}

/// parse_depth_update (fast scanner first) and the simdjson-only reference agree on `json`:
/// both refuse it, or both accept it with the same update.
void expect_same_parse(const std::string& json) {
    DepthUpdate fast;
    DepthUpdate reference;
    const auto a = parse_depth_update(json, fast);
    const auto b = detail::parse_depth_update_simdjson(json, reference);
    ASSERT_EQ(static_cast<bool>(a), static_cast<bool>(b)) << json;
    if (!a) {
        return;
    }
    EXPECT_EQ(fast.symbol, reference.symbol) << json;
    EXPECT_EQ(fast.event_ms, reference.event_ms) << json;
    EXPECT_EQ(fast.first_id, reference.first_id) << json;
    EXPECT_EQ(fast.final_id, reference.final_id) << json;
    EXPECT_EQ(fast.bids, reference.bids) << json;
    EXPECT_EQ(fast.asks, reference.asks) << json;
}

std::string depth_message(const std::string& bids, const std::string& asks) {
    return R"({"e":"depthUpdate","E":1733011200000,"s":"BTCUSDT","U":157,"u":160,"b":[)" + bids +
           R"(],"a":[)" + asks + "]}";
}

TEST(DepthParseTest, FastPathMatchesSimdjsonOnEveryDecimalShape) {
    // Every split of up to 8 integer digits and up to 8 decimals, plus shapes the SWAR path
    // must hand on: 9+ integer digits, 9 decimals, no digits, a second dot, signs, exponents,
    // escapes, a quote inside the 16-byte window after a short value.
    std::mt19937_64 rng(11);
    std::vector<std::string> decimals;
    for (int int_digits = 0; int_digits <= 10; ++int_digits) {
        for (int frac_digits = -1; frac_digits <= 9; ++frac_digits) {
            std::string text;
            for (int i = 0; i < int_digits; ++i) {
                text += static_cast<char>('0' + (i == 0 ? 1 + rng() % 9 : rng() % 10));
            }
            if (frac_digits >= 0) {
                text += '.';
                for (int i = 0; i < frac_digits; ++i) {
                    text += static_cast<char>('0' + rng() % 10);
                }
            }
            decimals.push_back(text);
        }
    }
    for (const char* odd :
         {"",
          ".",
          "1..2",
          "-1.5",
          "+1.5",
          "1e3",
          "1.5e-2",
          "0",
          "0.0",
          "00012",
          "\\u0031.5",
          "1.5\\n",
          "1 ",
          " 1",
          "1,5",
          "123456789012.5"}) {
        decimals.emplace_back(odd);
    }
    for (const auto& price : decimals) {
        for (const auto& qty : {std::string("1.25"), std::string("0"), price}) {
            const auto level = R"([")" + price + R"(",")" + qty + R"("])";
            expect_same_parse(depth_message(level, ""));
            expect_same_parse(depth_message(R"(["2.5","1"])", level));
            expect_same_parse(depth_message(level + "," + level, level));
        }
    }
}

TEST(DepthParseTest, FastPathMatchesSimdjsonOnOtherShapesAndEveryTruncation) {
    const std::string canonical =
        depth_message(R"(["96000.12","1.23456"],["95999.99","0.00000"])", R"(["96000.13","12.5"])");
    std::vector<std::string> messages = {
        canonical,
        R"({"stream":"btcusdt@depth@100ms","data":)" + canonical + "}",
        // Whitespace, other field orders, unknown fields, other value types: simdjson's path.
        R"({ "e":"depthUpdate", "E":1, "s":"BTCUSDT", "U":1, "u":2, "b":[ ["1.5" , "2"] ], "a":[] })",
        R"({"E":1,"e":"depthUpdate","s":"BTCUSDT","U":1,"u":2,"b":[],"a":[]})",
        R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[],"a":[],"x":1})",
        R"({"e":"depthUpdate","E":1,"s":"BTC\u0055SDT","U":1,"u":2,"b":[],"a":[]})",
        R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":01,"u":2,"b":[],"a":[]})",
        R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":-1,"u":2,"b":[],"a":[]})",
        R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":3,"u":2,"b":[],"a":[]})",
        R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":99999999999999999999,"b":[],"a":[]})",
        R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1","2","3"]],"a":[]})",
        R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1",2]],"a":[]})",
        R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["0","2"]],"a":[]})",
        R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1","2"],],"a":[]})",
        R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[],"a":[]} )",
        R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[],"a":[]}x)",
        R"({"stream":"x","data":{"e":"depthUpdate","E":1,"s":"B","U":1,"u":2,"b":[],"a":[]}})",
        R"({"stream":"x","data":{"e":"depthUpdate","E":1,"s":"B","U":1,"u":2,"b":[],"a":[]})",
    };
    for (const auto& message : messages) {
        expect_same_parse(message);
    }
    // Cut anywhere, the message is refused by both (the scanner never reads past the text
    // into garbage it would accept).
    for (std::size_t n = 0; n < canonical.size(); ++n) {
        expect_same_parse(canonical.substr(0, n));
    }
    DepthUpdate out;
    ASSERT_TRUE(parse_depth_update(canonical, out));
    ASSERT_EQ(out.bids.size(), 2U);
    EXPECT_EQ(out.bids[0].first, *Price::parse("96000.12"));
    EXPECT_EQ(out.bids[0].second, *Qty::parse("1.23456"));
    EXPECT_TRUE(out.bids[1].second.is_zero());
    EXPECT_EQ(out.asks[0].second, *Qty::parse("12.5"));
}

TEST(LocalOrderBookTest, IndexedLevelsMatchAPlainMapThroughRandomDiffs) {
    // The book finds existing levels through its hash index: after thousands of random sets and
    // removals (colliding, re-inserted, removed again) both sides equal a plain ordered map.
    std::mt19937_64 rng(5);
    LocalOrderBook book;
    std::map<std::int64_t, std::int64_t> bids;
    std::map<std::int64_t, std::int64_t> asks;
    DepthUpdate diff;
    for (int round = 0; round < 3000; ++round) {
        diff.bids.clear();
        diff.asks.clear();
        for (int l = 0; l < 10; ++l) {
            const std::int64_t bid = 1'000 + static_cast<std::int64_t>(rng() % 600);
            const std::int64_t ask = 2'000 + static_cast<std::int64_t>(rng() % 600);
            const std::int64_t qty = rng() % 3 == 0 ? 0 : 1 + static_cast<std::int64_t>(rng() % 50);
            diff.bids.emplace_back(Price::from_raw(bid * 1'000'000), Qty::from_raw(qty));
            diff.asks.emplace_back(Price::from_raw(ask * 1'000'000), Qty::from_raw(qty * 2));
            if (qty == 0) {
                bids.erase(bid * 1'000'000);
                asks.erase(ask * 1'000'000);
            } else {
                bids[bid * 1'000'000] = qty;
                asks[ask * 1'000'000] = qty * 2;
            }
        }
        book.apply_levels(diff);
    }
    ASSERT_EQ(book.bids().size(), bids.size());
    ASSERT_EQ(book.asks().size(), asks.size());
    auto expected_bid = bids.rbegin();
    for (const auto& [price, qty] : book.bids()) {
        EXPECT_EQ(price.raw(), expected_bid->first);
        EXPECT_EQ(qty, Qty::from_raw(expected_bid->second));
        ++expected_bid;
    }
    auto expected_ask = asks.begin();
    for (const auto& [price, qty] : book.asks()) {
        EXPECT_EQ(price.raw(), expected_ask->first);
        EXPECT_EQ(qty, Qty::from_raw(expected_ask->second));
        ++expected_ask;
    }
    EXPECT_GT(book.bids().size(), 100U);  // the index grew past its first table
}

TEST(LocalOrderBookTest, FollowsBinanceProcedureAcrossSnapshotAndDiffs) {
    LocalOrderBook book;
    EXPECT_TRUE(book.needs_snapshot());
    // Buffered before the snapshot: one too old (u <= 100), one straddling 101.
    book.on_update(update(R"({"e":"depthUpdate","U":95,"u":99,"b":[["9","1"]],"a":[]})"));
    book.on_update(
        update(R"({"e":"depthUpdate","U":100,"u":102,"b":[["10","5"]],"a":[["11","0"]]})"));
    ASSERT_TRUE(book.on_snapshot(snapshot(
        R"({"lastUpdateId":100,"bids":[["10","1"],["9.5","2"]],"asks":[["11","3"],["12","4"]]})")));
    EXPECT_FALSE(book.needs_snapshot());
    EXPECT_EQ(book.update_id(), 102);
    EXPECT_EQ(book.bids().at(*Price::parse("10")), *Qty::parse("5"));
    EXPECT_EQ(book.asks().count(*Price::parse("11")), 0U);
    EXPECT_EQ(book.asks().begin()->first, *Price::parse("12"));
    EXPECT_EQ(book.counters().stale, 1);
    // Next diffs: contiguous applies, older is ignored, a jump is a gap that drops the book.
    book.on_update(update(R"({"e":"depthUpdate","U":103,"u":103,"b":[["9.5","0"]],"a":[]})"));
    EXPECT_EQ(book.bids().size(), 1U);
    book.on_update(update(R"({"e":"depthUpdate","U":101,"u":102,"b":[["1","1"]],"a":[]})"));
    EXPECT_EQ(book.counters().stale, 2);
    EXPECT_EQ(book.bids().size(), 1U);
    book.on_update(update(R"({"e":"depthUpdate","U":105,"u":106,"b":[],"a":[]})"));
    EXPECT_EQ(book.counters().gaps, 1);
    ASSERT_EQ(book.gaps().size(), 1U);  // the ledger names the missed ids: 104
    EXPECT_EQ(book.gaps()[0].missing_from, 104);
    EXPECT_EQ(book.gaps()[0].missing_to, 104);
    EXPECT_EQ(book.gaps()[0].resynced_at, 0);
    EXPECT_TRUE(book.needs_snapshot());
    EXPECT_TRUE(book.bids().empty());
    // A snapshot older than the buffered diff is refused; a fresh one resyncs.
    EXPECT_FALSE(book.on_snapshot(snapshot(R"({"lastUpdateId":103,"bids":[],"asks":[]})")));
    EXPECT_EQ(book.counters().too_old, 1);
    ASSERT_TRUE(book.on_snapshot(snapshot(R"({"lastUpdateId":106,"bids":[["8","1"]],"asks":[]})")));
    EXPECT_EQ(book.update_id(), 106);
    EXPECT_EQ(book.bids().begin()->first, *Price::parse("8"));
    EXPECT_EQ(book.gaps()[0].resynced_at, 106);  // recovered by that snapshot
}

}  // namespace
}  // namespace ats::binance
