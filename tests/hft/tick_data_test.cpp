#include "ats/hft/tick_data.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <unordered_map>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include "ats/hft/l2_book.hpp"

namespace ats::hft {
namespace {

namespace fs = std::filesystem;

const std::string kTicks = std::string(ATS_BUNDLED_DATA_DIR) + "/ticks/";
const std::string kWindow = "2024-08-08_2354_to_2024-08-09_0005.csv.gz";

TickFiles files_of(const std::string& symbol) {
    return TickFiles{
        kTicks + symbol + "_spot_trades_" + kWindow,
        kTicks + symbol + "_spot_depth_snapshot_" + kWindow,
        kTicks + symbol + "_spot_depth_diff_100ms_" + kWindow};
}

struct Replayed {
    std::size_t batches = 0;
    std::size_t compared = 0;
    std::size_t mismatched = 0;
    std::string first_mismatch;
};

// Rebuilds the book from the snapshot and the merged stream; after every depth batch whose final
// update id has a bookTicker row with the same id, the best bid and ask (price and quantity)
// must equal Binance's own.
Replayed replay_against_book_ticker(const std::string& symbol) {
    auto data = load_binance_ticks(*Symbol::parse(symbol), files_of(symbol), {});
    EXPECT_TRUE(data) << (data ? "" : data.error().message);
    auto ticker = load_book_ticker(kTicks + symbol + "_spot_bookticker_" + kWindow);
    EXPECT_TRUE(ticker) << (ticker ? "" : ticker.error().message);
    Replayed out;
    if (!data || !ticker) {
        return out;
    }
    std::unordered_map<std::int64_t, BookTickerRow> by_id;
    for (const auto& row : *ticker) {
        by_id[row.update_id] = row;
    }
    const Price mid = data->snapshot_bids.front().price;
    auto book = *L2Book::create(
        *Price::parse("0.01"),
        Price::from_raw(mid.raw() / 2 / 1'000'000 * 1'000'000),
        Price::from_raw(mid.raw() * 3 / 2 / 1'000'000 * 1'000'000));
    for (const auto& l : data->snapshot_bids) {
        book.set(Side::kBuy, book.to_tick(l.price), l.qty);
    }
    for (const auto& l : data->snapshot_asks) {
        book.set(Side::kSell, book.to_tick(l.price), l.qty);
    }
    std::size_t batch = 0;
    for (const auto& e : data->events) {
        if (!is_depth(e.kind)) {
            continue;
        }
        book.set(e.side(), book.to_tick(e.price), e.qty);
        if (!e.end_of_batch) {
            continue;
        }
        const std::int64_t id = data->batch_update_ids.at(batch++);
        const auto it = by_id.find(id);
        if (it == by_id.end()) {
            continue;
        }
        ++out.compared;
        const auto& t = it->second;
        const bool same =
            book.to_price(book.best_bid_tick()) == t.bid && book.best_bid_qty() == t.bid_qty &&
            book.to_price(book.best_ask_tick()) == t.ask && book.best_ask_qty() == t.ask_qty;
        if (!same && out.mismatched++ == 0) {
            out.first_mismatch = fmt::format(
                "u={}: book {} x {} / {} x {}, bookTicker {} x {} / {} x {}",
                id,
                book.to_price(book.best_bid_tick()).to_string(),
                book.best_bid_qty().to_string(),
                book.to_price(book.best_ask_tick()).to_string(),
                book.best_ask_qty().to_string(),
                t.bid.to_string(),
                t.bid_qty.to_string(),
                t.ask.to_string(),
                t.ask_qty.to_string());
        }
    }
    out.batches = batch;
    std::cout << symbol << ": " << batch << " depth batches, " << out.compared
              << " compared with bookTicker rows of the same update id, " << out.mismatched
              << " different\n";
    EXPECT_EQ(batch, data->batch_update_ids.size());
    return out;
}

TEST(TickDataTest, RebuiltBookEqualsBinanceBookTickerOnBtc) {
    const auto r = replay_against_book_ticker("BTCUSDT");
    EXPECT_GT(r.batches, 6000U);
    EXPECT_GT(r.compared, 1000U) << "too few batches share an update id with bookTicker";
    EXPECT_EQ(r.mismatched, 0U) << r.first_mismatch;
}

TEST(TickDataTest, RebuiltBookEqualsBinanceBookTickerOnEth) {
    const auto r = replay_against_book_ticker("ETHUSDT");
    EXPECT_GT(r.batches, 6000U);
    EXPECT_GT(r.compared, 1000U);
    EXPECT_EQ(r.mismatched, 0U) << r.first_mismatch;
}

TEST(TickDataTest, StreamIsMergedByExchangeTimeWithCausalLocalTimes) {
    TickLoadOptions options;
    options.base_feed_latency = Duration::from_ms(1);
    auto data = load_binance_ticks(*Symbol::parse("BTCUSDT"), files_of("BTCUSDT"), options);
    ASSERT_TRUE(data) << data.error().message;
    ASSERT_FALSE(data->events.empty());
    std::size_t trades = 0;
    std::int64_t min_latency = INT64_MAX;
    for (std::size_t i = 0; i < data->events.size(); ++i) {
        const auto& e = data->events[i];
        if (i > 0) {
            ASSERT_LE(data->events[i - 1].exch_ns, e.exch_ns) << "event " << i;
        }
        min_latency = std::min(min_latency, e.local_ns - e.exch_ns);
        if (!is_depth(e.kind)) {
            ++trades;
        }
    }
    // Nothing is heard before it happened, and the fastest event takes exactly the base latency.
    EXPECT_EQ(min_latency, 1'000'000);
    EXPECT_EQ(trades, data->trade_rows);
    EXPECT_EQ(trades + data->trades_before_snapshot, 19'904U);  // every row of the trades file
    // The local order is a permutation sorted by local time.
    ASSERT_EQ(data->local_order.size(), data->events.size());
    for (std::size_t i = 1; i < data->local_order.size(); ++i) {
        ASSERT_LE(
            data->events[data->local_order[i - 1]].local_ns,
            data->events[data->local_order[i]].local_ns);
    }
}

// Writes a gzip file with the given text.
void write_gz(const fs::path& path, const std::string& text) {
    gzFile f = gzopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    gzclose(f);
}

std::string read_gz(const std::string& path) {
    gzFile f = gzopen(path.c_str(), "rb");
    std::string out;
    char buf[1 << 16];
    int n = 0;
    while ((n = gzread(f, buf, sizeof buf)) > 0) {
        out.append(buf, static_cast<std::size_t>(n));
    }
    gzclose(f);
    return out;
}

class TickDataErrors : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               fmt::format(
                   "ats_hft_{}_{}", ::getpid(), ::testing::UnitTest::GetInstance()->random_seed());
        fs::create_directories(dir_);
        files_ = files_of("BTCUSDT");
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
    TickFiles files_;
};

TEST_F(TickDataErrors, AGapInTheDiffsIsNamed) {
    // Drop every row of the 100th diff message after the header.
    const std::string text = read_gz(files_.depth_diffs);
    std::string out;
    std::size_t pos = 0;
    std::size_t line = 0;
    std::string dropped_ids;
    while (pos < text.size()) {
        const std::size_t end = text.find('\n', pos);
        const std::string row = text.substr(pos, end - pos);
        pos = end + 1;
        ++line;
        // Columns: recv_time_ns,event_time_ms,first_update_id,final_update_id,...
        const auto c1 = row.find(',');
        const auto c2 = row.find(',', c1 + 1);
        const auto c4 = row.find(',', row.find(',', c2 + 1) + 1);
        const std::string ids = row.substr(c2 + 1, c4 - c2 - 1);
        if (line == 2000 && dropped_ids.empty()) {
            dropped_ids = ids;
        }
        if (!dropped_ids.empty() && ids == dropped_ids) {
            continue;
        }
        out += row + "\n";
    }
    const auto path = dir_ / "diffs.csv.gz";
    write_gz(path, out);
    files_.depth_diffs = path.string();
    auto data = load_binance_ticks(*Symbol::parse("BTCUSDT"), files_, {});
    ASSERT_FALSE(data);
    EXPECT_EQ(data.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(data.error().message.find("gap in the depth diffs"), std::string::npos)
        << data.error().message;
}

TEST_F(TickDataErrors, BadRowsNameFileLineAndColumn) {
    const auto path = dir_ / "trades.csv";
    std::ofstream(path)
        << "trade_id,price,qty,trade_time_ms,is_buyer_maker,event_time_ms,recv_time_ns\n"
        << "1,61837.63,0.1,1723161254000,1,1723161254001,1723161254087891268\n"
        << "2,abc,0.1,1723161254000,0,1723161254001,1723161254087891268\n";
    files_.trades = path.string();
    auto data = load_binance_ticks(*Symbol::parse("BTCUSDT"), files_, {});
    ASSERT_FALSE(data);
    EXPECT_EQ(data.error().code, ErrorCode::kParse);
    EXPECT_NE(data.error().message.find("trades.csv:3: column 'price'"), std::string::npos)
        << data.error().message;

    std::ofstream(path) << "wrong,header\n";
    data = load_binance_ticks(*Symbol::parse("BTCUSDT"), files_, {});
    ASSERT_FALSE(data);
    EXPECT_NE(data.error().message.find("expected the header"), std::string::npos);

    files_.trades = (dir_ / "missing.csv").string();
    data = load_binance_ticks(*Symbol::parse("BTCUSDT"), files_, {});
    ASSERT_FALSE(data);
    EXPECT_EQ(data.error().code, ErrorCode::kIo);

    TickLoadOptions bad;
    bad.base_feed_latency = Duration::from_seconds(11);
    data = load_binance_ticks(*Symbol::parse("BTCUSDT"), files_of("BTCUSDT"), bad);
    ASSERT_FALSE(data);
    EXPECT_EQ(data.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ats::hft
