#include "ats/data/kline_csv.hpp"

#include <chrono>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "temp_file.hpp"

namespace ats::data {
namespace {

using ats::testing::bundled_file;
using ats::testing::data_file;
using ats::testing::TempFile;

const char* const kHeader = "open_time_ms,open,high,low,close,volume\n";

KlineCsvOptions with_policy(BadRowPolicy policy) {
    KlineCsvOptions o;
    o.policy = policy;
    return o;
}

// Loads `body` under kStrict and expects an error whose message contains every needle.
void expect_strict_error(const std::string& body, std::initializer_list<const char*> needles) {
    TempFile f(body);
    auto loaded = load_klines_csv(f.path(), {});
    ASSERT_FALSE(loaded.has_value()) << body;
    EXPECT_EQ(loaded.error().code, ErrorCode::kParse);
    for (const char* needle : needles) {
        EXPECT_NE(loaded.error().message.find(needle), std::string::npos)
            << "message '" << loaded.error().message << "' lacks '" << needle << "'";
    }
}

TEST(KlineCsvTest, LoadsBundledBtcHourlyFile) {
    auto loaded = load_klines_csv(bundled_file("BTCUSDT_1h_2021-04_2025-12.csv"), {});
    ASSERT_TRUE(loaded) << loaded.error().message;
    const auto& s = loaded->series;
    EXPECT_EQ(s.size(), 40846U);
    EXPECT_EQ(s.interval(), Duration::from_hours(1));
    EXPECT_TRUE(loaded->report.interval_inferred);
    EXPECT_EQ(loaded->report.layout, CsvLayout::kHeader);
    EXPECT_EQ(loaded->report.time_unit, TimeUnit::kMilliseconds);
    ASSERT_TRUE(s.symbol().has_value());
    EXPECT_EQ(s.symbol()->view(), "BTCUSDT");
    EXPECT_EQ(s.open_time().front(), *Timestamp::parse_iso8601("2021-04-04T20:00:00Z"));
    EXPECT_EQ(s.open_time().back(), *Timestamp::parse_iso8601("2025-12-02T05:00:00Z"));
    EXPECT_EQ(s.close_time().front(), *Timestamp::parse_iso8601("2021-04-04T20:59:59.999Z"));
    // The provenance README lists 12 missing hours in 5 runs.
    EXPECT_EQ(s.gaps().missing_runs(), 5U);
    EXPECT_EQ(s.gaps().missing_bars(), 12);
    EXPECT_EQ(s.gaps().gaps()[2].first, *Timestamp::parse_iso8601("2021-08-13T02:00:00Z"));
    EXPECT_EQ(s.gaps().gaps()[2].bars, 4);
    EXPECT_TRUE(s.gaps().is_missing(*Timestamp::parse_iso8601("2023-03-24T13:00:00Z")));
    // Known closes from the provenance README.
    const auto at = [&](const char* iso) {
        const auto t = *Timestamp::parse_iso8601(iso);
        const auto it = std::lower_bound(s.open_time().begin(), s.open_time().end(), t);
        return s.close()[static_cast<std::size_t>(it - s.open_time().begin())].to_string();
    };
    EXPECT_EQ(at("2021-11-10T14:00:00Z"), "68382.69");
    EXPECT_EQ(at("2024-12-17T00:00:00Z"), "105856.51");
    EXPECT_EQ(*std::min_element(s.low().begin(), s.low().end()), *Price::parse("15476"));
    EXPECT_EQ(*std::max_element(s.high().begin(), s.high().end()), *Price::parse("126199.63"));
    EXPECT_EQ(loaded->report.bad_row_total(), 0U);
}

TEST(KlineCsvTest, ReadsBinanceLayoutInMillisecondsAndMicroseconds) {
    auto ms = load_klines_csv(data_file("BTCUSDT-1m-2024-08-08-binance-ms.csv"), {});
    auto us = load_klines_csv(data_file("BTCUSDT-1m-2024-08-08-binance-us.csv"), {});
    ASSERT_TRUE(ms) << ms.error().message;
    ASSERT_TRUE(us) << us.error().message;
    EXPECT_EQ(ms->report.layout, CsvLayout::kBinance);
    EXPECT_EQ(ms->report.time_unit, TimeUnit::kMilliseconds);
    EXPECT_EQ(us->report.time_unit, TimeUnit::kMicroseconds);
    ASSERT_EQ(ms->series.size(), 10U);
    ASSERT_EQ(us->series.size(), 10U);
    for (std::size_t i = 0; i < 10; ++i) {
        const auto a = ms->series.bar(i);
        const auto b = us->series.bar(i);
        EXPECT_EQ(a.open_time, b.open_time);
        EXPECT_EQ(a.close, b.close);
        EXPECT_EQ(a.taker_buy_quote_volume, b.taker_buy_quote_volume);
        // Binance writes close_time as the last ms (or us) of the bar.
        EXPECT_EQ(b.close_time - a.close_time, Duration::from_us(999));
    }
    const auto first = ms->series.bar(0);
    EXPECT_EQ(first.open_time, Timestamp::from_unix_ms(1723161300000));
    EXPECT_EQ(first.open.to_string(), "61828");
    EXPECT_EQ(first.trade_count, 1255);
    EXPECT_EQ(first.taker_buy_base_volume->to_string(), "6.63029");
    EXPECT_EQ(first.quote_volume->to_string(), "932148.0644641");
    EXPECT_EQ(ms->series.interval(), Duration::from_minutes(1));
}

TEST(KlineCsvTest, ReadsBinanceLayoutWithHeader) {
    std::ifstream in(data_file("ETHUSDT-1m-2024-08-08-binance-ms.csv"));
    std::stringstream body;
    body << "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
            "taker_buy_quote_volume,ignore\n"
         << in.rdbuf();
    TempFile f(body.str());
    auto loaded = load_klines_csv(f.path(), {});
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->report.layout, CsvLayout::kHeader);
    EXPECT_EQ(loaded->series.size(), 10U);
    EXPECT_TRUE(loaded->series.has_taker_buy_volumes());
    EXPECT_TRUE(loaded->series.has_trade_count());
}

TEST(KlineCsvTest, ReadsPositionalNineColumnDay) {
    auto loaded = load_klines_csv(data_file("BTCUSDT-1m-2024-12-02-positional.csv"), {});
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->series.size(), 1440U);
    EXPECT_TRUE(loaded->series.has_quote_volume());
    EXPECT_FALSE(loaded->series.has_taker_buy_volumes());
    EXPECT_TRUE(loaded->series.gaps().empty());
}

TEST(KlineCsvTest, DetectsEpochUnitsAndIsoTimes) {
    const std::pair<const char*, TimeUnit> cases[] = {
        {"1700000000", TimeUnit::kSeconds},
        {"1700000000000", TimeUnit::kMilliseconds},
        {"1700000000000000", TimeUnit::kMicroseconds},
        {"1700000000000000000", TimeUnit::kNanoseconds},
        {"2023-11-14T22:13:20Z", TimeUnit::kIso8601},
        {"2023-11-14 22:13:20", TimeUnit::kIso8601},
    };
    for (const auto& [time, unit] : cases) {
        TempFile f(
            std::string("timestamp,open,high,low,close,volume\n") + time + ",1,2,0.5,1.5,10\n");
        auto loaded = load_klines_csv(f.path(), {});
        ASSERT_TRUE(loaded) << time << ": " << loaded.error().message;
        EXPECT_EQ(loaded->report.time_unit, unit) << time;
        EXPECT_EQ(loaded->series.open_time()[0], Timestamp::from_unix_seconds(1700000000)) << time;
    }
}

TEST(KlineCsvTest, FindsColumnsByNameAndIgnoresExtras) {
    TempFile f(
        "\xEF\xBB\xBF"
        "Date,Symbol,Open,High,Low,Close,Volume,Quote_Volume,Trades,Notes\r\n"
        "2024-01-01 00:00:00,BTCUSDT,42283.58,42554.57,42261.02,42475.23,1271.68108,53939587.12,"
        "48200,x\r\n"
        "\r\n"
        "  \n"
        "2024-01-01 "
        "01:00:00,BTCUSDT,42475.23,42775,42431.65,42613.56,1196.37856,5.1e7,47000.0,y\r\n");
    auto loaded = load_klines_csv(f.path(), {});
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->series.size(), 2U);
    EXPECT_EQ(loaded->report.blank_lines, 2U);
    EXPECT_EQ(loaded->series.quote_volume()[1].to_string(), "51000000");
    EXPECT_EQ(loaded->series.trade_count()[1], 47000);
    EXPECT_EQ(loaded->series.interval(), Duration::from_hours(1));
}

TEST(KlineCsvTest, StrictNamesFileLineColumnAndReason) {
    const std::string h = kHeader;
    expect_strict_error(
        h + "1700000000000,1,2,0.5,1.5,10\n1700000060000,1,abc,0.5,1.5,10\n",
        {"klines.csv:3:", "column 'high'", "'abc'"});
    expect_strict_error(h + "1700000000000,1,2,0.5,NaN,10\n", {":2:", "column 'close'", "finite"});
    expect_strict_error(
        h + "1700000000000,1,2,0.5,1.5,inf\n", {":2:", "column 'volume'", "finite"});
    expect_strict_error(h + "1700000000000,1,2,0.5\n", {":2:", "expected 6 columns, found 4"});
    expect_strict_error(
        h + "1700000000000,1,2,0.5,1.5,10,7\n", {":2:", "expected 6 columns, found 7"});
    expect_strict_error(h + "1700000000000,1,2,0.5,1.5,\n", {":2:", "column 'volume'", "empty"});
    expect_strict_error(h + "1700000000000,1,0.9,0.5,1.5,10\n", {":2:", "high 0.9 is below"});
    expect_strict_error(h + "1700000000000,1,2,1.2,1.5,10\n", {":2:", "low 1.2 is above"});
    expect_strict_error(h + "1700000000000,1,2,0.5,1.5,-10\n", {":2:", "negative"});
    expect_strict_error(
        h + "1700000000000,0,2,0,1.5,10\n", {":2:", "column 'open'", "not positive"});
    expect_strict_error(h + "17000x0000000,1,2,0.5,1.5,10\n", {":2:", "neither epoch"});
    expect_strict_error(
        h + "1700000000000,1,2,0.5,1.5,10\n1700000060000000,1,2,0.5,1.5,10\n",
        {":3:", "epoch us", "file uses ms"});
    expect_strict_error(
        h + "1700000000000,1,2,0.5,1.5,10\n1700000000000,1,2,0.5,1.5,10\n", {":3:", "duplicate"});
    expect_strict_error(
        h + "1700000000000,1,2,0.5,1.5,10\n1700000000000,1,2,0.5,1.6,10\n",
        {":3:", "repeats with different values"});
    expect_strict_error(
        h + "1700000060000,1,2,0.5,1.5,10\n1700000120000,1,2,0.5,1.5,10\n1700000000000,1,2,0.5,1.5,"
            "10\n",
        {":4:", "before the previous"});
    expect_strict_error(
        h + "1700000000000,1,2,0.5,1.5,10\n1700000060000,1,2,0.5,1.5,10\n"
            "1700000120000,1,2,0.5,1.5,10\n1700000150000,1,2,0.5,1.5,10\n",
        {":5:", "off the 1m grid"});
    expect_strict_error(h + "1700000000000,1,2,0.5,1.5,0.000000001\n", {"at most 8 decimals"});
}

TEST(KlineCsvTest, TruncatedLastLineWithoutNewlineIsAnError) {
    expect_strict_error(
        std::string(kHeader) + "1700000000000,1,2,0.5,1.5,10\n1700000060000,1,2",
        {":3:", "found 3"});
}

TEST(KlineCsvTest, RejectsUnusableHeadersAndFiles) {
    {
        TempFile f("when,open,high,low,close,volume\n1,1,1,1,1,1\n");
        auto loaded = load_klines_csv(f.path(), {});
        ASSERT_FALSE(loaded);
        EXPECT_NE(loaded.error().message.find("lacks required column"), std::string::npos);
    }
    {
        TempFile f("1700000000000,1,2,0.5\n");
        auto loaded = load_klines_csv(f.path(), {});
        ASSERT_FALSE(loaded);
        EXPECT_NE(loaded.error().message.find("6 to 12"), std::string::npos);
    }
    {
        TempFile f("");
        EXPECT_FALSE(load_klines_csv(f.path(), {}));
    }
    auto missing = load_klines_csv("/nonexistent/klines.csv", {});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::kIo);
}

TEST(KlineCsvTest, SkipPolicyCountsEveryKind) {
    const std::string body = std::string(kHeader) +
                             "1700000000000,1,2,0.5,1.5,10\n"    // ok
                             "1700000060000,1,abc,0.5,1.5,10\n"  // bad number
                             "1700000060000,1,2,0.5,nan,10\n"    // non finite
                             "1700000060000,1,2,0.5\n"           // truncated
                             "1700000060000,1,0.9,0.5,1.5,10\n"  // ohlc
                             "1700000060000,1,2,0.5,1.5,10\n"    // ok
                             "1700000060000,1,2,0.5,1.5,10\n"    // exact duplicate
                             "1700000060000,1,2,0.5,1.6,10\n"    // conflicting duplicate
                             "1700000000000,1,2,0.5,1.5,10\n"    // out of order
                             "1700000240000,1,2,0.5,1.5,10\n";   // ok after a 2-bar gap
    TempFile f(body);
    auto loaded = load_klines_csv(f.path(), with_policy(BadRowPolicy::kSkip));
    ASSERT_TRUE(loaded) << loaded.error().message;
    const auto& r = loaded->report;
    EXPECT_EQ(loaded->series.size(), 3U);
    EXPECT_EQ(r.bad_rows_of(RowIssue::kBadNumber), 1U);
    EXPECT_EQ(r.bad_rows_of(RowIssue::kNonFinite), 1U);
    EXPECT_EQ(r.bad_rows_of(RowIssue::kTruncatedRow), 1U);
    EXPECT_EQ(r.bad_rows_of(RowIssue::kOhlcInconsistent), 1U);
    EXPECT_EQ(r.bad_rows_of(RowIssue::kDuplicate), 1U);
    EXPECT_EQ(r.bad_rows_of(RowIssue::kConflictingDuplicate), 1U);
    EXPECT_EQ(r.bad_rows_of(RowIssue::kOutOfOrder), 1U);
    EXPECT_EQ(r.bad_row_total(), 7U);
    // Every row is accounted for: delivered + skipped = data lines.
    EXPECT_EQ(r.rows + r.bad_row_total(), r.lines - 1);
    ASSERT_FALSE(r.examples.empty());
    EXPECT_EQ(r.examples[0].line, 3U);
    EXPECT_EQ(loaded->series.gaps().missing_bars(), 2);
}

TEST(KlineCsvTest, RepairDropsExactDuplicatesAndResorts) {
    const std::string body = std::string(kHeader) +
                             "1700000060000,1,2,0.5,1.5,10\n"
                             "1700000000000,1,2,0.5,1.4,10\n"
                             "1700000060000,1,2,0.5,1.5,10\n"
                             "1700000120000,1,2,0.5,1.5,10\n"
                             "1700000120000,1,2,0.5,1.5,10\n";
    TempFile f(body);
    auto loaded = load_klines_csv(f.path(), with_policy(BadRowPolicy::kRepair));
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->series.size(), 3U);
    EXPECT_EQ(loaded->report.duplicates_dropped, 2U);
    EXPECT_EQ(loaded->report.rows_reordered, 1U);
    EXPECT_EQ(loaded->report.bad_row_total(), 0U);
    EXPECT_EQ(loaded->series.close()[0].to_string(), "1.4");

    // Conflicting duplicates cannot be repaired without choosing data: an error.
    TempFile conflict(
        std::string(kHeader) + "1700000000000,1,2,0.5,1.5,10\n1700000000000,1,2,0.5,1.6,10\n");
    auto failed = load_klines_csv(conflict.path(), with_policy(BadRowPolicy::kRepair));
    ASSERT_FALSE(failed);
    EXPECT_NE(failed.error().message.find("different values"), std::string::npos);

    // Malformed rows are errors under repair, as under strict.
    TempFile malformed(std::string(kHeader) + "1700000000000,1,2,0.5,x,10\n");
    EXPECT_FALSE(load_klines_csv(malformed.path(), with_policy(BadRowPolicy::kRepair)));
}

TEST(KlineCsvTest, StreamingMatchesBulkAndStaysFailed) {
    const auto path = bundled_file("ETHUSDT_1h_2021-04_2025-12.csv");
    auto bulk = load_klines_csv(path, {});
    ASSERT_TRUE(bulk);
    auto reader = KlineCsvReader::open(path, {});
    ASSERT_TRUE(reader);
    model::Bar bar;
    std::size_t i = 0;
    while (true) {
        auto got = reader->next(bar);
        ASSERT_TRUE(got);
        if (!*got) {
            break;
        }
        ASSERT_LT(i, bulk->series.size());
        ASSERT_EQ(bar, bulk->series.bar(i)) << i;
        ++i;
    }
    EXPECT_EQ(i, bulk->series.size());
    EXPECT_EQ(reader->gaps().missing_bars(), 12);

    TempFile f(
        std::string(kHeader) + "1700000000000,1,2,0.5,1.5,10\n1700000060000,1,x,0.5,1.5,10\n");
    auto bad = KlineCsvReader::open(f.path(), {});
    ASSERT_TRUE(bad);
    ASSERT_TRUE(*bad->next(bar));
    EXPECT_FALSE(bad->next(bar).has_value());
    EXPECT_FALSE(bad->next(bar).has_value());
}

TEST(KlineCsvTest, ExplicitIntervalOverridesInference) {
    TempFile f(
        std::string(kHeader) + "1700000000000,1,2,0.5,1.5,10\n1700000300000,1,2,0.5,1.5,10\n");
    KlineCsvOptions o;
    o.interval = Duration::from_minutes(1);
    auto loaded = load_klines_csv(f.path(), o);
    ASSERT_TRUE(loaded);
    EXPECT_FALSE(loaded->report.interval_inferred);
    EXPECT_EQ(loaded->series.gaps().missing_bars(), 4);
    EXPECT_EQ(loaded->series.close_time()[0], Timestamp::from_unix_ms(1700000059999));
}

TEST(KlineCsvTest, WriterRoundTrips) {
    auto loaded = load_klines_csv(data_file("BTCUSDT-1m-2024-08-08-binance-us.csv"), {});
    ASSERT_TRUE(loaded);
    TempFile out("", "out.csv");
    ASSERT_TRUE(write_klines_csv(loaded->series, out.path()));
    auto again = load_klines_csv(out.path(), {});
    ASSERT_TRUE(again) << again.error().message;
    ASSERT_EQ(again->series.size(), loaded->series.size());
    for (std::size_t i = 0; i < loaded->series.size(); ++i) {
        auto a = loaded->series.bar(i);
        auto b = again->series.bar(i);
        // The writer uses milliseconds; the source had microsecond close times.
        EXPECT_EQ(b.close_time.unix_ms(), a.close_time.unix_ms());
        b.close_time = a.close_time;
        EXPECT_EQ(a, b);
    }
}

// Meme coins: a PEPE hour trades 1.5e11 coins and quote volumes pass 9.2e10; prices go to 1e-8.
// Past the 64-bit range these rows were refused; they load exactly and round-trip now.
TEST(KlineCsvTest, MemeCoinVolumesLoadExactly) {
    TempFile f(
        "open_time_ms,open,high,low,close,volume,quote_volume\n"
        "1700000000000,0.00001010,0.00001020,0.00001000,0.00001015,152345678901.00,"
        "1538691.35690010\n"
        "1700003600000,0.00000001,0.00000002,0.00000001,0.00000002,1000000000000.12345678,"
        "123456789012345.5\n");
    auto loaded = load_klines_csv(f.path(), {});
    ASSERT_TRUE(loaded) << loaded.error().message;
    ASSERT_EQ(loaded->series.size(), 2U);
    EXPECT_EQ(loaded->series.volume()[0].to_string(), "152345678901");
    EXPECT_EQ(loaded->series.volume()[1].to_string(), "1000000000000.12345678");
    EXPECT_EQ(loaded->series.quote_volume()[1].to_string(), "123456789012345.5");
    EXPECT_EQ(loaded->series.close()[1].to_string(), "0.00000002");
    TempFile out("", "meme.csv");
    ASSERT_TRUE(write_klines_csv(loaded->series, out.path()));
    auto again = load_klines_csv(out.path(), {});
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->series.bar(1), loaded->series.bar(1));
    // A price past 64 bits and a volume past 1e20 are clear errors naming the column.
    expect_strict_error(
        std::string(kHeader) + "1700000000000,100000000000,1,1,1,1\n", {"'open'", "out of range"});
    expect_strict_error(
        std::string(kHeader) + "1700000000000,1,1,1,1,200000000000000000000\n",
        {"'volume'", "out of range"});
}

TEST(KlineCsvTest, FastAndGeneralParsersAgree) {
    // The same bars written plainly (fast path) and with quotes, spaces, exponents, CRLF and
    // integral float counts (general path) must load identically.
    const std::string plain =
        "open_time,open,high,low,close,volume,close_time,quote_volume,trades\n"
        "1700000000000,37000.5,37010,36990.25,37005,12.5,1700000059999,462500.1,120\n"
        "1700000060000,37005,37020,37000,37015.75,0.00000001,1700000119999,0.00037,1\n";
    const std::string fancy =
        "open_time,open,high,low,close,volume,close_time,quote_volume,trades\r\n"
        "\"1700000000000\", 37000.50 "
        ",3.701e4,36990.25,37005,1.25e1,1700000059999,462500.1,120.0\r\n"
        "1700000060000,+37005,37020,37000,37015.75,1e-8,1700000119999,0.00037,1\r\n";
    TempFile a(plain);
    TempFile b(fancy);
    auto x = load_klines_csv(a.path(), {});
    auto y = load_klines_csv(b.path(), {});
    ASSERT_TRUE(x) << x.error().message;
    ASSERT_TRUE(y) << y.error().message;
    ASSERT_EQ(x->series.size(), 2U);
    ASSERT_EQ(y->series.size(), 2U);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(x->series.bar(i), y->series.bar(i)) << i;
    }
}

TEST(KlineCsvTest, ReadsNanosecondEpochs) {
    TempFile f(
        std::string(kHeader) +
        "1700000000000000000,1,2,0.5,1.5,10\n1700000060000000000,1,2,0.5,1.5,10\n");
    auto loaded = load_klines_csv(f.path(), {});
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->report.time_unit, TimeUnit::kNanoseconds);
    EXPECT_EQ(loaded->series.open_time()[1], Timestamp::from_unix_seconds(1700000060));
}

TEST(KlineCsvTest, RejectsOverlongLines) {
    TempFile f(
        std::string(kHeader) + "1700000000000,1,2,0.5,1.5,10\n" + std::string(2U << 20, '9') +
        "\n");
    auto loaded = load_klines_csv(f.path(), {});
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message.find("longer than"), std::string::npos);
}

TEST(KlineCsvTest, ReadsFromPipe) {
    // A FIFO cannot be memory-mapped: this exercises the buffered read path.
    TempFile placeholder("", "unused");
    const std::string fifo = placeholder.path() + ".fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::string body = kHeader;
    for (int i = 0; i < 50'000; ++i) {
        body += std::to_string(1700000000000LL + 60000LL * i) + ",1,2,0.5,1.5,10\n";
    }
    std::thread writer([&] {
        std::ofstream out(fifo, std::ios::binary);
        out << body;
    });
    auto loaded = load_klines_csv(fifo, {});
    writer.join();
    ::unlink(fifo.c_str());
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->series.size(), 50'000U);
    EXPECT_TRUE(loaded->series.gaps().empty());
}

// Review finding: the loader opened the path a second time to size its buffers, so a FIFO whose
// writer had already finished hung it. A short feed that fits the pipe buffer shows it.
TEST(KlineCsvTest, AShortFifoDoesNotHang) {
    TempFile placeholder("", "unused2");
    const std::string fifo = placeholder.path() + ".fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::thread writer([&] {
        std::ofstream out(fifo, std::ios::binary);
        out << kHeader << "1700000000000,1,2,0.5,1.5,10\n1700000060000,1,2,0.5,1.5,10\n";
    });
    auto loading = std::async(std::launch::async, [&] { return load_klines_csv(fifo, {}); });
    const bool done = loading.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
    if (!done) {
        // Unblock a reader stuck in open() so the test ends (and fails) instead of hanging.
        const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
        if (fd >= 0) {
            ::close(fd);
        }
    }
    writer.join();
    auto loaded = loading.get();
    ::unlink(fifo.c_str());
    ASSERT_TRUE(done) << "load_klines_csv blocked on a FIFO";
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->series.size(), 2U);
}

}  // namespace
}  // namespace ats::data
