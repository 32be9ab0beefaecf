#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include "ats/store/sqlite_state_store.hpp"

#include "testkit.hpp"

namespace ats::store {
namespace {

namespace fs = std::filesystem;
using testing::money;
using testing::px;
using testing::qty;

StateStoreOptions read_only() {
    StateStoreOptions o;
    o.read_only = true;
    return o;
}

class StateStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("ats_state_store_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        path_ = (dir_ / "state.db").string();
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::unique_ptr<SqliteStateStore> open(StateStoreOptions options = {}) {
        auto s = SqliteStateStore::open(path_, options);
        EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
        return s ? std::move(*s) : nullptr;
    }

    static model::Order order(const char* id, const char* q = "0.5") {
        model::OrderRequest r{
            *Symbol::parse("BTCUSDT"),
            Side::kBuy,
            model::OrderType::kMarket,
            qty(q),
            std::nullopt,
            std::nullopt,
            false,
            0};
        return model::Order(*ClientOrderId::parse(id), r, Timestamp::from_unix_ns(1'000));
    }

    static model::Event bar_event(std::int64_t i) {
        model::Bar bar;
        bar.open_time = Timestamp::from_unix_ns(i * 60'000'000'000);
        bar.close_time = Timestamp::from_unix_ns((i + 1) * 60'000'000'000 - 1);
        bar.open = bar.high = bar.low = bar.close = px("100.5");
        bar.volume = qty("2");
        return model::MarketData{bar.close_time, bar.close_time, *Symbol::parse("BTCUSDT"), bar};
    }

    fs::path dir_;
    std::string path_;
};

TEST_F(StateStoreTest, NewFileHasLatestSchemaInWalMode) {
    auto store = open();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->schema_version(), SqliteStateStore::kSchemaVersion);
    EXPECT_EQ(store->journal_size(), 0U);
    store.reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

TEST_F(StateStoreTest, JournalSurvivesReopenInOrder) {
    {
        auto store = open();
        for (int i = 0; i < 10; ++i) {
            ASSERT_TRUE(store->append(bar_event(i)));
        }
        ASSERT_TRUE(store->commit());
    }
    auto store = open();
    EXPECT_EQ(store->journal_size(), 10U);
    auto entries = store->read_journal(4, 100);
    ASSERT_TRUE(entries);
    ASSERT_EQ(entries->size(), 7U);
    EXPECT_EQ(entries->front().sequence, 4U);
    EXPECT_EQ(entries->front().type, "MarketData");
    EXPECT_EQ(entries->front().body, model::to_json_line(bar_event(3)));
    // Appends go on from the stored sequence.
    ASSERT_TRUE(store->append(bar_event(10)));
    EXPECT_EQ(store->journal_size(), 11U);
}

TEST_F(StateStoreTest, UncommittedBatchIsInvisibleButIntentIsDurableBeforeReturn) {
    auto writer = open();
    ASSERT_TRUE(writer->append(bar_event(0)));
    ASSERT_TRUE(writer->append(bar_event(1)));
    {
        // Another connection sees nothing of the open batch.
        auto reader = SqliteStateStore::open(path_, read_only());
        ASSERT_TRUE(reader) << reader.error().message;
        EXPECT_EQ((*reader)->journal_size(), 0U);
    }
    ASSERT_TRUE(writer->record_order_intent(order("paper-1"), std::nullopt));
    // The intent commits the batch with it: durable before the order may leave.
    auto reader = SqliteStateStore::open(path_, read_only());
    ASSERT_TRUE(reader);
    EXPECT_EQ((*reader)->journal_size(), 2U);
    auto orders = (*reader)->orders();
    ASSERT_TRUE(orders);
    ASSERT_EQ(orders->size(), 1U);
    EXPECT_EQ(orders->front().id.str(), "paper-1");
    EXPECT_EQ(orders->front().status, "sent");
    EXPECT_EQ(orders->front().request.qty, qty("0.5"));
}

TEST_F(StateStoreTest, IntentsDurabilityCommitsIntentsAndEventsAlike) {
    StateStoreOptions o;
    o.durability = Durability::kIntents;
    {
        auto writer = open(o);
        ASSERT_TRUE(writer->append(bar_event(0)));
        ASSERT_TRUE(writer->commit());  // a plain batch: NORMAL
        ASSERT_TRUE(writer->append(bar_event(1)));
        // An intent batch: fsynced (FULL) at its commit, then back to NORMAL.
        ASSERT_TRUE(writer->record_order_intent(order("live-1"), std::nullopt));
        ASSERT_TRUE(writer->append(bar_event(2)));
        ASSERT_TRUE(writer->commit());
        ASSERT_TRUE(writer->record_order_intent(order("live-2"), money("50")));
    }
    auto reader = SqliteStateStore::open(path_, read_only());
    ASSERT_TRUE(reader);
    EXPECT_EQ((*reader)->journal_size(), 3U);
    auto orders = (*reader)->orders();
    ASSERT_TRUE(orders);
    EXPECT_EQ(orders->size(), 2U);
}

TEST_F(StateStoreTest, SameIntentTwiceIsAlreadyExistsAndADifferentOneIsRefused) {
    auto store = open();
    ASSERT_TRUE(store->record_order_intent(order("paper-1"), money("100")));
    auto again = store->record_order_intent(order("paper-1"), money("100"));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
    auto other = store->record_order_intent(order("paper-1", "0.7"), money("100"));
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_NE(other.error().message.find("paper-1"), std::string::npos);
    auto orders = store->orders();
    ASSERT_TRUE(orders);
    EXPECT_EQ(orders->size(), 1U);
    EXPECT_EQ(orders->front().quote_budget, money("100"));
}

TEST_F(StateStoreTest, EventsMaintainOrdersFillsAndPositions) {
    auto store = open();
    const auto id = *ClientOrderId::parse("paper-7");
    const auto sym = *Symbol::parse("BTCUSDT");
    const Timestamp t = Timestamp::from_unix_ns(5'000);
    ASSERT_TRUE(store->record_order_intent(order("paper-7", "1"), std::nullopt));
    ASSERT_TRUE(store->append(model::OrderPlaced{t, t, id, order("paper-7", "1").request()}));
    const model::Fill half{id, sym, Side::kBuy, qty("0.4"), px("100"), money("0.04"), false, t};
    ASSERT_TRUE(store->append(model::OrderFilled{t, t, half}));
    auto orders = store->orders();
    ASSERT_TRUE(orders);
    EXPECT_EQ(orders->front().status, "partially_filled");
    const model::Fill rest{
        id, sym, Side::kBuy, qty("0.6"), px("101"), money("0.06"), false, t, qty("0.0006")};
    ASSERT_TRUE(store->append(model::OrderFilled{t, t, rest}));
    ASSERT_TRUE(store->append(model::PositionUpdated{t, t, sym, qty("1"), px("100.6"), Money{}}));
    ASSERT_TRUE(store->set_balance("USDT", money("9899.3")));
    ASSERT_TRUE(store->put_state("risk", R"({"halted":false})"));
    ASSERT_TRUE(store->save_snapshot(
        model::Snapshot{4, 1, t, money("9899.3"), money("9999.9"), R"({"positions":[]})"}));
    ASSERT_TRUE(store->commit());
    store.reset();

    store = open();
    orders = store->orders();
    ASSERT_TRUE(orders);
    EXPECT_EQ(orders->front().status, "filled");
    EXPECT_EQ(orders->front().filled_qty, qty("1"));
    auto fills = store->fills();
    ASSERT_TRUE(fills);
    ASSERT_EQ(fills->size(), 2U);
    EXPECT_EQ((*fills)[1].price, px("101"));
    EXPECT_EQ((*fills)[1].fee, money("0.06"));
    EXPECT_EQ((*fills)[0].base_fee, Qty{});
    EXPECT_EQ((*fills)[1].base_fee, qty("0.0006"));
    EXPECT_EQ(*store->balance("USDT"), money("9899.3"));
    EXPECT_EQ(**store->get_state("risk"), R"({"halted":false})");
    EXPECT_FALSE(*store->get_state("nothing"));
    auto snap = store->last_snapshot();
    ASSERT_TRUE(snap && *snap);
    EXPECT_EQ((*snap)->sequence, 4U);
    EXPECT_EQ((*snap)->equity, money("9999.9"));
}

TEST_F(StateStoreTest, TruncatedFileIsAClearErrorNotAnEmptyStart) {
    {
        auto store = open();
        for (int i = 0; i < 2000; ++i) {
            ASSERT_TRUE(store->append(bar_event(i)));
        }
        ASSERT_TRUE(store->commit());
    }
    const auto size = fs::file_size(path_);
    ASSERT_GT(size, 16'384U);
    fs::resize_file(path_, size / 2);
    auto reopened = SqliteStateStore::open(path_);
    ASSERT_FALSE(reopened);
    EXPECT_EQ(reopened.error().code, ErrorCode::kParse);
    EXPECT_NE(reopened.error().message.find("corrupt or truncated"), std::string::npos);
    EXPECT_NE(reopened.error().message.find(path_), std::string::npos);
    EXPECT_EQ(fs::file_size(path_), size / 2);  // left as it was for the operator
}

TEST_F(StateStoreTest, GarbageEmptyAndForeignFilesAreRefused) {
    {
        std::ofstream out(path_, std::ios::binary);
        out << std::string(8192, 'x');
    }
    auto garbage = SqliteStateStore::open(path_);
    ASSERT_FALSE(garbage);
    EXPECT_EQ(garbage.error().code, ErrorCode::kParse);

    fs::resize_file(path_, 0);
    auto empty = SqliteStateStore::open(path_);
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, ErrorCode::kParse);
    EXPECT_NE(empty.error().message.find("not an ats state file"), std::string::npos);

    fs::remove(path_);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    auto foreign = SqliteStateStore::open(path_);
    ASSERT_FALSE(foreign);
    EXPECT_EQ(foreign.error().code, ErrorCode::kParse);
}

TEST_F(StateStoreTest, CorruptPageIsDetected) {
    {
        auto store = open();
        for (int i = 0; i < 2000; ++i) {
            ASSERT_TRUE(store->append(bar_event(i)));
        }
        ASSERT_TRUE(store->commit());
    }
    {
        std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(4096 * 3 + 7);  // inside a b-tree page, past the file header
        const std::string junk(600, '\x7f');
        f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    auto reopened = SqliteStateStore::open(path_);
    ASSERT_FALSE(reopened);
    EXPECT_EQ(reopened.error().code, ErrorCode::kParse);
}

TEST_F(StateStoreTest, NewerSchemaIsRefused) {
    open().reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    const std::string sql =
        "PRAGMA user_version=" + std::to_string(SqliteStateStore::kSchemaVersion + 1);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    auto reopened = SqliteStateStore::open(path_);
    ASSERT_FALSE(reopened);
    EXPECT_EQ(reopened.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(StateStoreTest, FullDiskIsReportedAsIo) {
    auto store = open([] {
        StateStoreOptions o;
        o.max_pages = 40;
        return o;
    }());
    ASSERT_NE(store, nullptr);
    Status last = ok_status();
    for (int i = 0; i < 5000 && last; ++i) {
        last = store->append(bar_event(i));
        if (last && i % 100 == 99) {
            last = store->commit();
        }
    }
    ASSERT_FALSE(last);
    EXPECT_EQ(last.error().code, ErrorCode::kIo);
    EXPECT_NE(last.error().message.find("full"), std::string::npos) << last.error().message;
    EXPECT_NE(last.error().message.find(path_), std::string::npos);
}

TEST_F(StateStoreTest, ReadOnlyFileRefusesWrites) {
    {
        auto store = open();
        ASSERT_TRUE(store->append(bar_event(0)));
        ASSERT_TRUE(store->commit());
    }
    auto store = open(read_only());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->journal_size(), 1U);
    auto appended = store->append(bar_event(1));
    ASSERT_FALSE(appended);
    EXPECT_EQ(appended.error().code, ErrorCode::kIo);
    EXPECT_NE(appended.error().message.find("readonly"), std::string::npos)
        << appended.error().message;
    auto intent = store->record_order_intent(order("paper-1"), std::nullopt);
    ASSERT_FALSE(intent);
    EXPECT_EQ(intent.error().code, ErrorCode::kIo);
}

TEST_F(StateStoreTest, OldSchemaIsMigratedKeepingData) {
    {
        auto store = open();
        ASSERT_TRUE(store->append(bar_event(0)));
        ASSERT_TRUE(store->commit());
    }
    // Turn the file back into schema 1 (before the scheduler's job_runs table, the fills'
    // base_fee column and the order_latency table).
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(
            db,
            "DROP TABLE job_runs; ALTER TABLE fills DROP COLUMN base_fee; DROP TABLE "
            "order_latency; PRAGMA user_version=1",
            nullptr,
            nullptr,
            nullptr),
        SQLITE_OK);
    sqlite3_close(db);
    auto store = open();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->schema_version(), SqliteStateStore::kSchemaVersion);
    EXPECT_EQ(store->journal_size(), 1U);
    model::JobRun run{"retrain", Timestamp{}, Timestamp{}, Timestamp{}, true, ""};
    EXPECT_TRUE(store->record_job_run(run));
    EXPECT_EQ(store->job_runs("retrain", 5)->size(), 1U);
    const Timestamp t = Timestamp::from_unix_ns(7);
    const auto id = *ClientOrderId::parse("paper-9");
    ASSERT_TRUE(store->record_order_intent(order("paper-9", "1"), std::nullopt));
    const model::Fill f{
        id,
        *Symbol::parse("BTCUSDT"),
        Side::kBuy,
        qty("1"),
        px("10"),
        Money{},
        false,
        t,
        qty("0.001")};
    ASSERT_TRUE(store->append(model::OrderFilled{t, t, f}));
    ASSERT_TRUE(store->commit());
    EXPECT_EQ(store->fills()->back().base_fee, qty("0.001"));
    EXPECT_TRUE(store->record_order_latency(OrderLatency{"paper-9", 1, 2, 3}));
    EXPECT_EQ(store->order_latencies()->size(), 1U);
}

// Quantities and money past 64 bits (a meme coin's fills, a whale's cash) round-trip exactly, and
// a quote-budget order is filled only when the venue says it is complete.
TEST_F(StateStoreTest, WideAmountsAndQuoteBudgetOrdersRoundTrip) {
    auto store = open();
    const Timestamp t = Timestamp::from_unix_ns(9);
    const auto sym = *Symbol::parse("BTCUSDT");
    ASSERT_TRUE(store->record_order_intent(order("paper-1", "1000000000000"), std::nullopt));
    const auto big = *ClientOrderId::parse("paper-1");
    const model::Fill half{
        big, sym, Side::kBuy, qty("600000000000.5"), px("0.00000001"), money("0"), false, t};
    const model::Fill rest{
        big, sym, Side::kBuy, qty("399999999999.5"), px("0.00000002"), money("0"), false, t};
    const auto appended = store->append(model::OrderFilled{t, t, half});
    ASSERT_TRUE(appended) << appended.error().message;
    ASSERT_TRUE(store->append(model::OrderFilled{t, t, rest}));
    ASSERT_TRUE(store->set_balance("USDT", *Money::parse("123456789012345.12345678")));
    auto budget = order("paper-2", "0");
    ASSERT_TRUE(store->record_order_intent(budget, money("1000")));
    const auto id = *ClientOrderId::parse("paper-2");
    const model::Fill part{id, sym, Side::kBuy, qty("0.01"), px("50000"), money("0.5"), false, t};
    ASSERT_TRUE(store->append(model::OrderFilled{t, t, part, false}));
    ASSERT_TRUE(store->commit());
    auto orders = store->orders();
    ASSERT_TRUE(orders);
    ASSERT_EQ(orders->size(), 2U);
    EXPECT_EQ(orders->at(0).status, "filled");
    EXPECT_EQ(orders->at(0).filled_qty, qty("1000000000000"));
    EXPECT_EQ(orders->at(1).status, "partially_filled");  // a budget order's first fill
    ASSERT_TRUE(store->append(model::OrderFilled{t, t, part, true}));
    ASSERT_TRUE(store->commit());
    store.reset();
    store = open();
    orders = store->orders();
    EXPECT_EQ(orders->at(1).status, "filled");
    EXPECT_EQ(orders->at(1).filled_qty, qty("0.02"));
    const auto fills = store->fills();
    ASSERT_TRUE(fills);
    EXPECT_EQ(fills->at(0).qty, qty("600000000000.5"));
    EXPECT_EQ(store->balance("USDT")->value(), *Money::parse("123456789012345.12345678"));
}

TEST_F(StateStoreTest, ExclusiveSessionKeepsOtherProcessesOut) {
    StateStoreOptions o;
    o.exclusive = true;
    auto owner = open(o);
    ASSERT_TRUE(owner->append(bar_event(0)));
    ASSERT_TRUE(owner->commit());
    auto second = SqliteStateStore::open(path_);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(second.error().message.find("in use"), std::string::npos) << second.error().message;
    owner.reset();
    EXPECT_TRUE(SqliteStateStore::open(path_));
}

TEST_F(StateStoreTest, MissingFileWithoutCreateIsNotFound) {
    auto s = SqliteStateStore::open(path_, [] {
        StateStoreOptions o;
        o.create = false;
        return o;
    }());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
    EXPECT_FALSE(fs::exists(path_));
}

}  // namespace
}  // namespace ats::store

namespace ats::store {
namespace {

TEST(StateStoreLatencyTest, OrderLatenciesAndOrderTimesRoundTrip) {
    const auto path =
        (fs::temp_directory_path() / ("ats_latency_" + std::to_string(::getpid()) + ".db"))
            .string();
    fs::remove(path);
    {
        auto store = *SqliteStateStore::open(path);
        ASSERT_TRUE(store->record_order_latency(OrderLatency{"a-1", 100, 250, 400}));
        ASSERT_TRUE(store->record_order_latency(OrderLatency{"a-2", 500, 600, 900}));
        const auto id = *ClientOrderId::parse("a-1");
        const auto other = *ClientOrderId::parse("a-2");
        const auto sym = *Symbol::parse("BTCUSDT");
        const model::OrderRequest req{
            sym, Side::kBuy, model::OrderType::kLimit, qty("1"), px("100"), std::nullopt, false, 0};
        const auto at = [](std::int64_t ns) {
            return Timestamp::from_unix_ns(ns);
        };
        ASSERT_TRUE(store->append(model::OrderPlaced{at(1'000), at(1'000), id, req}));
        ASSERT_TRUE(store->append(model::OrderPlaced{at(1'500), at(1'500), other, req}));
        const model::Fill f{
            id, sym, Side::kBuy, qty("0.4"), px("100"), money("0"), true, at(2'000)};
        ASSERT_TRUE(store->append(model::OrderFilled{at(2'000), at(2'000), f}));
        ASSERT_TRUE(store->append(model::OrderCanceled{at(3'000), at(3'000), id, sym, {}}));
        ASSERT_TRUE(store->commit());
    }
    StateStoreOptions ro;
    ro.read_only = true;
    auto store = *SqliteStateStore::open(path, ro);
    auto rows = store->order_latencies();
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 2U);
    EXPECT_EQ((*rows)[0].order_id, "a-1");
    EXPECT_EQ((*rows)[1].exchange_ns, 600);
    auto times = store->order_times();
    ASSERT_TRUE(times);
    ASSERT_EQ(times->size(), 2U);
    EXPECT_EQ((*times)[0].order_id, "a-1");
    EXPECT_EQ((*times)[0].placed_ns, 1'000);
    EXPECT_EQ((*times)[0].first_fill_ns, 2'000);
    EXPECT_EQ((*times)[0].canceled_ns, 3'000);
    EXPECT_EQ((*times)[1].placed_ns, 1'500);
    EXPECT_EQ((*times)[1].first_fill_ns, -1);
    EXPECT_EQ((*times)[1].canceled_ns, -1);
    store.reset();
    fs::remove(path);
}

}  // namespace
}  // namespace ats::store
