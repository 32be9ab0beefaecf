#include "ats/data/resample.hpp"

#include <algorithm>

namespace ats::data {
namespace {

constexpr Duration kDay = Duration::from_days(1);

struct Bucket {
    model::Bar bar;
    std::int64_t count = 0;
};

}  // namespace

Result<ResampleResult> resample(
    const model::BarSeries& source, Duration to, const ResampleOptions& options) {
    const Duration from = source.interval();
    if (from <= Duration{}) {
        return make_error(
            ErrorCode::kFailedPrecondition, "resample: the source series has no known interval");
    }
    if (to <= from || to % from != Duration{}) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "resample: target {} must be a multiple of the source interval {}", to, from));
    }
    if (kDay % to != Duration{} && to % kDay != Duration{}) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "resample: target {} must divide a day or be whole days, so buckets align to UTC",
                to));
    }
    const std::int64_t expected = to / from;
    ResampleResult result{model::BarSeries(to, source.symbol()), {}};
    std::vector<Bucket> buckets;
    buckets.reserve(source.size() / static_cast<std::size_t>(expected) + 2);

    std::optional<Bucket> current;
    for (std::size_t i = 0; i < source.size(); ++i) {
        const model::Bar b = source.bar(i);
        const Timestamp start = b.open_time.floor(to);
        if (current && current->bar.open_time != start) {
            buckets.push_back(*current);
            current.reset();
        }
        if (!current) {
            current = Bucket{b, 1};
            current->bar.open_time = start;
            current->bar.close_time = start + to - Duration::from_ms(1);
            continue;
        }
        model::Bar& agg = current->bar;
        agg.high = std::max(agg.high, b.high);
        agg.low = std::min(agg.low, b.low);
        agg.close = b.close;
        auto volume = Qty::checked_add(agg.volume, b.volume);
        if (!volume) {
            return tl::unexpected(volume.error());
        }
        agg.volume = *volume;
        if (agg.quote_volume) {
            auto q = Money::checked_add(*agg.quote_volume, *b.quote_volume);
            if (!q) {
                return tl::unexpected(q.error());
            }
            agg.quote_volume = *q;
        }
        if (agg.trade_count) {
            *agg.trade_count += *b.trade_count;
        }
        if (agg.taker_buy_base_volume) {
            auto base = Qty::checked_add(*agg.taker_buy_base_volume, *b.taker_buy_base_volume);
            auto quote = Money::checked_add(*agg.taker_buy_quote_volume, *b.taker_buy_quote_volume);
            if (!base || !quote) {
                return make_error(ErrorCode::kOutOfRange, "resample: taker volume overflow");
            }
            agg.taker_buy_base_volume = *base;
            agg.taker_buy_quote_volume = *quote;
        }
        ++current->count;
    }
    if (current) {
        buckets.push_back(*current);
    }

    result.series.reserve(buckets.size());
    std::optional<Timestamp> last_start;
    for (const auto& bucket : buckets) {
        const bool complete = bucket.count == expected;
        if (!complete) {
            result.incomplete.push_back(
                IncompleteBucket{bucket.bar.open_time, bucket.count, expected});
            if (options.drop_incomplete) {
                continue;
            }
        }
        if (last_start) {
            const std::int64_t steps = (bucket.bar.open_time - *last_start) / to;
            if (steps > 1) {
                result.series.gaps().record(*last_start + to, steps - 1);
            }
        }
        last_start = bucket.bar.open_time;
        result.series.push_back(bucket.bar);
    }
    return result;
}

}  // namespace ats::data
