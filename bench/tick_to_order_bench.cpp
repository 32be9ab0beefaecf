// Tick to order, in process: a closed-kline WebSocket message in, through simdjson parsing, the
// ML strategy's streaming features and XGBoost-trained model inference (flat forest), sizing,
// risk and the order manager, to the signed Binance request bytes out (POST /api/v3/order with
// its HMAC-SHA256 signature, built by the same functions RestClient uses). Prints latency
// percentiles over every tick that produced an order, and over all ticks.
//
// Data: the bundled real BTCUSDT 1m bars of December 2024. The model (XGBoost, 60 rounds, depth
// 4) is trained on the first 30,000 bars at start-up; the remaining bars are replayed as
// `btcusdt@kline_1m` combined-stream messages, several passes with a fresh engine each.
// Orders are "filled" at the bar's close after the timed path so the strategy keeps trading.
// Heap allocations inside the timed path are counted (global operator new is replaced in this
// program, as tests/indicators does) and printed per tick. `--json FILE` also writes the
// percentiles as Google Benchmark JSON for scripts/bench-table.py.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <new>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "ats/backtest/backtest.hpp"
#include "ats/binance/binance_venue.hpp"
#include "ats/binance/kline_event.hpp"
#include "ats/binance/rest_client.hpp"
#include "ats/binance/signing.hpp"
#include "ats/core/clock.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/engine/trading_engine.hpp"
#include "ats/ml/features.hpp"
#include "ats/ml/labels.hpp"
#include "ats/ml/model_bundle.hpp"
#include "ats/ml/walk_forward.hpp"
#include "ats/model/events.hpp"
#include "ats/strategy/strategy.hpp"

#include "count_allocations.hpp"

namespace {

using namespace ats;  // NOLINT(google-build-using-namespace): a bench program
using Steady = std::chrono::steady_clock;

constexpr std::size_t kTrainBars = 30'000;
constexpr int kPasses = 40;
constexpr const char* kKey = "bench-api-key";
constexpr const char* kSecret = "bench-api-secret-0123456789abcdef";

/// The execution port that stops at the bytes: builds the signed request and records when.
class SigningVenue final : public model::ExecutionVenue {
public:
    SigningVenue(model::EventSink& sink, const Clock& clock) : sink_(sink), clock_(clock) {
        // A live session signs its account reads before any order, which loads OpenSSL's
        // provider and keys the thread's HMAC context; do the same here, outside the timing.
        benchmark_warm_signature_ = binance::hmac_sha256_hex(kSecret, "timestamp=0");
    }

    Status submit(const model::Order& order, std::optional<Money> budget) override {
        auto out = binance::to_new_order(order, budget);
        if (!out) {
            return tl::unexpected(out.error());
        }
        const auto target = binance::signed_target(
            "/order", binance::new_order_params(*out), kSecret, clock_.now().unix_ms(), 5000);
        bytes_.clear();
        fmt::format_to(
            std::back_inserter(bytes_),
            "POST {} HTTP/1.1\r\nHost: api.binance.com\r\nX-MBX-APIKEY: {}\r\n"
            "Content-Length: 0\r\n\r\n",
            target,
            kKey);
        sent_at_ = Steady::now();
        ++sent_;
        total_bytes_ += bytes_.size();
        pending_.push_back({order.id(), order.request(), budget});
        return ok_status();
    }
    Status cancel(const ClientOrderId&) override { return ok_status(); }

    /// Fills what was sent at `price` (outside the timed path).
    void fill_all(Price price, Timestamp at) {
        for (const auto& p : pending_) {
            Qty qty = p.request.qty;
            if (p.budget) {
                const double units = p.budget->to_double() * 0.999 / price.to_double();
                qty = Qty::from_double(units, Round::kTowardZero)
                          .value_or(Qty{})
                          .round_to(*Qty::parse("0.00001"), Round::kTowardZero);
            }
            if (!qty.is_positive()) {
                continue;
            }
            sink_.emit(model::OrderFilled{
                at,
                at,
                model::Fill{
                    p.id, p.request.symbol, p.request.side, qty, price, Money{}, false, at}});
        }
        pending_.clear();
    }

    std::uint64_t sent() const noexcept { return sent_; }
    Steady::time_point sent_at() const noexcept { return sent_at_; }
    std::uint64_t total_bytes() const noexcept { return total_bytes_; }

private:
    struct Pending {
        ClientOrderId id;
        model::OrderRequest request;
        std::optional<Money> budget;
    };
    model::EventSink& sink_;
    const Clock& clock_;
    std::string benchmark_warm_signature_;
    std::string bytes_;
    std::vector<Pending> pending_;
    Steady::time_point sent_at_;
    std::uint64_t sent_ = 0;
    std::uint64_t total_bytes_ = 0;
};

std::string kline_message(const model::Bar& b) {
    return fmt::format(
        R"({{"stream":"btcusdt@kline_1m","data":{{"e":"kline","E":{},"s":"BTCUSDT","k":{{)"
        R"("t":{},"T":{},"s":"BTCUSDT","i":"1m","f":1,"L":2,"o":"{}","c":"{}","h":"{}",)"
        R"("l":"{}","v":"{}","n":{},"x":true,"q":"{}","V":"{}","Q":"{}","B":"0"}}}}}})",
        b.close_time.unix_ms() + 1,
        b.open_time.unix_ms(),
        b.close_time.unix_ms(),
        b.open,
        b.close,
        b.high,
        b.low,
        b.volume,
        b.trade_count.value_or(0),
        b.quote_volume.value_or(Money{}),
        b.taker_buy_base_volume.value_or(Qty{}),
        b.taker_buy_quote_volume.value_or(Money{}));
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) {
        return 0.0;
    }
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

void report(const char* what, const std::vector<double>& us) {
    fmt::print(
        "{:<34} n={:>6}  p50 {:6.2f} us  p90 {:6.2f}  p99 {:6.2f}  p99.9 {:6.2f}  max {:7.2f}\n",
        what,
        us.size(),
        percentile(us, 0.50),
        percentile(us, 0.90),
        percentile(us, 0.99),
        percentile(us, 0.999),
        us.empty() ? 0.0 : *std::max_element(us.begin(), us.end()));
}

}  // namespace

/// Google Benchmark's JSON shape, one "run" per percentile (microseconds), for bench-table.py.
void write_json(
    const std::string& path,
    const std::vector<double>& order_us,
    const std::vector<double>& tick_us,
    double allocations_per_tick,
    double allocations_per_order) {
    std::ofstream out(path);
    out << "{\"benchmarks\": [\n";
    const auto row = [&](const char* name, double us, std::size_t n, bool last) {
        out << fmt::format(
            "  {{\"name\": \"{}\", \"real_time\": {:.4f}, \"time_unit\": \"us\", "
            "\"samples\": {}}}{}\n",
            name,
            us,
            n,
            last ? "" : ",");
    };
    row("TickToOrder_Order_p50", percentile(order_us, 0.50), order_us.size(), false);
    row("TickToOrder_Order_p99", percentile(order_us, 0.99), order_us.size(), false);
    row("TickToOrder_Order_p999", percentile(order_us, 0.999), order_us.size(), false);
    row("TickToOrder_Tick_p99", percentile(tick_us, 0.99), tick_us.size(), false);
    row("TickToOrder_Tick_p999", percentile(tick_us, 0.999), tick_us.size(), false);
    out << fmt::format(
        "  {{\"name\": \"TickToOrder_Allocations\", \"real_time\": 0, \"time_unit\": \"ns\", "
        "\"per_tick\": {:.4f}, \"per_order_tick\": {:.4f}}}\n]}}\n",
        allocations_per_tick,
        allocations_per_order);
}

int main(int argc, char** argv) {
    std::string json_path;
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::string_view(argv[i]) == "--json") {
            json_path = argv[i + 1];
        }
    }
    auto loaded =
        data::load_klines_csv(std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1m_2024-12.csv", {});
    if (!loaded) {
        fmt::print(stderr, "{}\n", loaded.error().to_string());
        return 1;
    }
    const auto& series = loaded->series;
    // Train the model the strategy will run (same path as `ats train`, one fit, no walk-forward).
    const auto set = ml::FeatureSet::defaults();
    const auto label = ml::LabelSpec{};
    const auto dataset =
        ml::make_dataset(ml::compute_features(set, series), ml::make_labels(label, series), series);
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < dataset.size(); ++i) {
        if (dataset.horizon_end[i] < kTrainBars) {
            rows.push_back(i);
        }
    }
    ml::TrainParams tp;
    tp.boosting.rounds = 60;
    tp.boosting.max_depth = 4;
    fmt::print("training XGBoost on {} rows x {} features...\n", rows.size(), dataset.cols);
    auto trained = ml::train_model(dataset, rows, tp);
    if (!trained) {
        fmt::print(stderr, "{}\n", trained.error().to_string());
        return 1;
    }
    const auto dir = (std::filesystem::temp_directory_path() /
                      ("ats_tick_to_order_" + std::to_string(::getpid())))
                         .string();
    ml::ModelMetadata meta;
    meta.asset = "BTCUSDT";
    meta.model = "xgboost";
    meta.features = set;
    meta.label = label;
    meta.train_rows = rows.size();
    if (auto s = ml::save_model_dir(dir, *trained, meta); !s) {
        fmt::print(stderr, "{}\n", s.error().to_string());
        return 1;
    }
    std::vector<std::string> messages;
    for (std::size_t i = kTrainBars; i < series.size(); ++i) {
        messages.push_back(kline_message(series.bar(i)));
    }
    const auto symbol = *Symbol::parse("BTCUSDT");
    std::vector<double> order_us;
    std::vector<double> tick_us;
    std::vector<double> parse_us;
    std::uint64_t orders = 0;
    std::uint64_t bytes = 0;
    std::int64_t tick_allocations = 0;
    std::int64_t order_tick_allocations = 0;
    for (int pass = 0; pass < kPasses; ++pass) {
        strategy::StrategySources sources;
        sources.model_dir = dir;
        auto strat = strategy::make_strategy("ml", {{"entry", 0.5}, {"exit", 0.5}}, sources);
        if (!strat) {
            fmt::print(stderr, "{}\n", strat.error().to_string());
            return 1;
        }
        SimulatedClock clock(series.bar(kTrainBars).open_time);
        engine::EngineConfig config;
        engine::TradingEngine engine(config, clock, **strat);
        SigningVenue venue(engine.sink(), clock);
        engine.set_venue(&venue);
        engine.add_instrument(backtest::default_instrument(symbol));
        binance::KlineEvent event;
        for (const auto& message : messages) {
            const auto sent_before = venue.sent();
            const auto allocations_before = ats::testing::allocations();
            const auto t0 = Steady::now();
            if (auto s = binance::parse_kline_event(message, event); !s || !event.closed) {
                fmt::print(stderr, "bad message: {}\n", message);
                return 1;
            }
            const auto t_parsed = Steady::now();
            auto sym = Symbol::parse(event.symbol);
            clock.advance_to(std::max(clock.now(), event.bar.close_time));
            engine.on_bar_closed(*sym, event.bar);
            engine.process_pending();
            const auto t1 = Steady::now();
            const auto allocated = ats::testing::allocations() - allocations_before;
            tick_allocations += allocated;
            const auto micros = [](auto d) {
                return std::chrono::duration<double, std::micro>(d).count();
            };
            parse_us.push_back(micros(t_parsed - t0));
            tick_us.push_back(micros(t1 - t0));
            if (venue.sent() > sent_before) {
                order_us.push_back(micros(venue.sent_at() - t0));
                order_tick_allocations += allocated;
            }
            venue.fill_all(event.bar.close, event.bar.close_time);
            engine.process_pending();
        }
        orders += venue.sent();
        bytes += venue.total_bytes();
    }
    std::filesystem::remove_all(dir);
    fmt::print(
        "{} passes over {} real 1m klines, {} orders signed ({:.0f} bytes each)\n",
        kPasses,
        messages.size(),
        orders,
        orders > 0 ? static_cast<double>(bytes) / static_cast<double>(orders) : 0.0);
    report("kline message -> signed order bytes", order_us);
    report("every tick (parse..engine done)", tick_us);
    report("parse only (simdjson)", parse_us);
    const double per_tick = static_cast<double>(tick_allocations) /
                            static_cast<double>(std::max<std::size_t>(tick_us.size(), 1));
    const double per_order = static_cast<double>(order_tick_allocations) /
                             static_cast<double>(std::max<std::size_t>(order_us.size(), 1));
    fmt::print(
        "heap allocations in the timed path: {:.2f} per tick, {:.1f} per tick that "
        "placed an order\n",
        per_tick,
        per_order);
    if (!json_path.empty()) {
        write_json(json_path, order_us, tick_us, per_tick, per_order);
    }
    return orders > 0 ? 0 : 1;
}
