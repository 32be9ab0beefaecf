#include "ats/hft/calibration.hpp"

#include <algorithm>
#include <map>

namespace ats::hft {

int distance_bucket(std::int64_t t) noexcept {
    if (t < 0) {
        return 0;
    }
    if (t <= 1) {
        return 1 + static_cast<int>(t);
    }
    if (t <= 4) {
        return 3;
    }
    return t <= 9 ? 4 : 5;
}

const char* distance_bucket_name(int bucket) noexcept {
    static constexpr const char* kNames[kDistanceBuckets] = {
        "inside", "0", "1", "2-4", "5-9", "10+"};
    return bucket >= 0 && bucket < kDistanceBuckets ? kNames[bucket] : "?";
}

FillRatios fill_ratios(const SimResult& result) {
    FillRatios out;
    for (const auto& o : result.orders) {
        if (!o.rested) {
            continue;
        }
        const int b = distance_bucket(o.touch_ticks);
        ++out.orders[b];
        if (o.first_fill_ns >= 0) {
            ++out.filled[b];
            out.queue_wait_s.push_back(static_cast<double>(o.first_fill_ns - o.arrive_ns) / 1e9);
        }
    }
    return out;
}

namespace {

/// Sends each recorded order at its time and cancels it at its cancel time.
class Replay final : public HftStrategy {
public:
    explicit Replay(const std::vector<RecordedOrder>& orders) : orders_(orders) {
        ids_.assign(orders.size(), 0);
        for (std::size_t i = 0; i < orders.size(); ++i) {
            events_.push_back({orders[i].placed_ns, i, false});
            if (orders[i].canceled_ns >= 0) {
                events_.push_back({orders[i].canceled_ns, i, true});
            }
        }
        std::stable_sort(
            events_.begin(), events_.end(), [](const Step& a, const Step& b) { return a.t < b.t; });
    }

    void on_market(SimContext& ctx, const MarketEvent&) override {
        if (!armed_) {
            armed_ = true;
            run_due(ctx);
        }
    }
    void on_timer(SimContext& ctx, std::int64_t) override { run_due(ctx); }

    std::uint64_t sim_id(std::size_t i) const { return ids_[i]; }

private:
    struct Step {
        std::int64_t t;
        std::size_t order;
        bool cancel;
    };

    void run_due(SimContext& ctx) {
        while (next_ < events_.size() && events_[next_].t <= ctx.now()) {
            const Step& s = events_[next_++];
            const RecordedOrder& o = orders_[s.order];
            if (s.cancel) {
                if (ids_[s.order] != 0) {
                    ctx.cancel(ids_[s.order]);
                }
            } else {
                ids_[s.order] = ctx.limit(o.side, o.price, o.qty);
            }
        }
        if (next_ < events_.size()) {
            ctx.set_timer(events_[next_].t);
        }
    }

    const std::vector<RecordedOrder>& orders_;
    std::vector<Step> events_;
    std::vector<std::uint64_t> ids_;
    std::size_t next_ = 0;
    bool armed_ = false;
};

}  // namespace

Result<Calibration> calibrate(
    const TickData& data, const SimConfig& config, const std::vector<RecordedOrder>& recorded) {
    if (data.events.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "calibration: the recording is empty");
    }
    Calibration out;
    const std::int64_t first = data.snapshot_local_ns;
    const std::int64_t last = data.events.back().local_ns;
    std::vector<RecordedOrder> inside;
    for (const auto& o : recorded) {
        if (o.placed_ns < first || o.placed_ns > last) {
            ++out.outside;
        } else {
            inside.push_back(o);
        }
    }
    if (inside.empty()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            "calibration: none of the recorded limit orders was placed while the tick recording "
            "runs");
    }
    auto sim = Simulator::create(data, config);
    if (!sim) {
        return tl::unexpected(sim.error());
    }
    Replay replay(inside);
    auto result = (*sim)->run(replay);
    if (!result) {
        return tl::unexpected(result.error());
    }
    struct Acc {
        CalibrationRow row;
        double real_wait = 0;
        double sim_wait = 0;
    };
    std::map<int, Acc> by_bucket;
    Acc all;
    all.row.bucket = "all";
    for (std::size_t i = 0; i < inside.size(); ++i) {
        const std::uint64_t id = replay.sim_id(i);
        if (id == 0) {
            continue;  // refused (off the tick or lot): not comparable
        }
        const OrderRecord& rec = result->orders[id - 1];
        if (rec.arrive_ns < 0) {
            continue;  // canceled before it arrived
        }
        ++out.replayed;
        const RecordedOrder& o = inside[i];
        const int b = distance_bucket(rec.touch_ticks);
        Acc& acc = by_bucket[b];
        acc.row.bucket = distance_bucket_name(b);
        for (Acc* a : {&acc, &all}) {
            ++a->row.orders;
            if (o.filled.is_positive()) {
                ++a->row.real_filled;
                if (o.first_fill_ns >= o.placed_ns) {
                    a->real_wait += static_cast<double>(o.first_fill_ns - o.placed_ns) / 1e9;
                }
            }
            if (rec.first_fill_ns >= 0) {
                ++a->row.sim_filled;
                a->sim_wait += static_cast<double>(rec.first_fill_ns - rec.sent_ns) / 1e9;
            }
        }
    }
    const auto finish = [](Acc& a) {
        a.row.real_wait_s =
            a.row.real_filled > 0 ? a.real_wait / static_cast<double>(a.row.real_filled) : 0;
        a.row.sim_wait_s =
            a.row.sim_filled > 0 ? a.sim_wait / static_cast<double>(a.row.sim_filled) : 0;
        return a.row;
    };
    for (auto& [b, acc] : by_bucket) {
        out.rows.push_back(finish(acc));
    }
    out.rows.push_back(finish(all));
    out.sim = std::move(*result);
    return out;
}

}  // namespace ats::hft
