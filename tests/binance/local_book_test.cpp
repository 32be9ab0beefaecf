#include "ats/binance/local_book.hpp"

#include <string>

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
