#include "ats/data/parquet_bars.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "ats/core/fixed_point.hpp"
#include "ats/core/symbol.hpp"
#include "ats/parquet/reader.hpp"
#include "ats/parquet/writer.hpp"

#include "bar_rules.hpp"
#include "decimal_columns.hpp"

namespace ats::data {
namespace {

using ats::detail::Int128;
using parquet::ColumnData;
using parquet::ColumnSchema;
using parquet::LogicalType;
using parquet::PhysicalType;
using parquet::Repetition;
using rules::Field;
using rules::Problem;
using rules::Row;

constexpr std::size_t kLookahead = 64;  // rows used to infer the interval, as in CSV

ColumnSchema time_column(const std::string& name, parquet::TimeUnit unit) {
    return ColumnSchema{
        name, PhysicalType::kInt64, Repetition::kRequired, 0, LogicalType::timestamp(unit)};
}

std::int64_t unit_ns(parquet::TimeUnit unit) {
    switch (unit) {
        case parquet::TimeUnit::kMillis:
            return 1'000'000;
        case parquet::TimeUnit::kMicros:
            return 1'000;
        case parquet::TimeUnit::kNanos:
            return 1;
    }
    return 1;
}

// The coarsest unit that holds every time of the series exactly.
parquet::TimeUnit time_unit_for(const model::BarSeries& s) {
    bool ms = true;
    bool us = true;
    for (std::size_t i = 0; i < s.size(); ++i) {
        for (const Timestamp t : {s.open_time()[i], s.close_time()[i]}) {
            ms = ms && t.unix_ns() % 1'000'000 == 0;
            us = us && t.unix_ns() % 1'000 == 0;
        }
    }
    return ms   ? parquet::TimeUnit::kMillis
           : us ? parquet::TimeUnit::kMicros
                : parquet::TimeUnit::kNanos;
}

template <class T>
bool all_narrow(std::span<const T> values) {
    return std::all_of(values.begin(), values.end(), [](const T& v) {
        return decimal::fits_decimal18(static_cast<Int128>(v.raw()));
    });
}

// Symbol from a catalog path (".../symbol=BTCUSDT/...") or a file name ("BTCUSDT_1m.parquet").
std::optional<Symbol> symbol_from_path(const std::string& path) {
    const auto key = path.rfind("symbol=");
    if (key != std::string::npos) {
        const auto begin = key + 7;
        const auto end = path.find('/', begin);
        auto s = Symbol::parse(std::string_view(path).substr(
            begin, end == std::string::npos ? std::string::npos : end - begin));
        if (s) {
            return *s;
        }
    }
    const auto slash = path.find_last_of('/');
    const std::string_view name = slash == std::string::npos
                                      ? std::string_view(path)
                                      : std::string_view(path).substr(slash + 1);
    const auto sep = name.find_first_of("_-.");
    if (sep == std::string_view::npos) {
        return std::nullopt;
    }
    auto symbol = Symbol::parse(name.substr(0, sep));
    return symbol ? std::optional<Symbol>(*symbol) : std::nullopt;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

// How a time column is read.
struct TimeReader {
    enum class Kind : std::uint8_t { kFactor, kEpoch, kDate, kInt96, kText };
    Kind kind = Kind::kFactor;
    std::int64_t factor = 1;  // kFactor: ns per stored unit
};

}  // namespace

std::string gaps_to_json(const model::GapLedger& ledger) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& g : ledger.gaps()) {
        j.push_back(
            {{"first_ns", g.first.unix_ns()},
             {"bars", g.bars},
             {"state", std::string(model::to_string(g.state))}});
    }
    return j.dump();
}

Result<std::vector<model::Gap>> gaps_from_json(const std::string& text) {
    std::vector<model::Gap> out;
    try {
        const auto j = nlohmann::json::parse(text);
        if (!j.is_array()) {
            return make_error(ErrorCode::kParse, "gap ledger: expected a JSON array");
        }
        for (const auto& e : j) {
            model::Gap g;
            g.first = Timestamp::from_unix_ns(e.at("first_ns").get<std::int64_t>());
            g.bars = e.at("bars").get<std::int64_t>();
            const auto state = e.at("state").get<std::string>();
            if (state == "missing") {
                g.state = model::GapState::kMissing;
            } else if (state == "filled") {
                g.state = model::GapState::kFilled;
            } else if (state == "backfilled") {
                g.state = model::GapState::kBackfilled;
            } else {
                return make_error(
                    ErrorCode::kParse, fmt::format("gap ledger: unknown state '{}'", state));
            }
            if (g.bars <= 0) {
                return make_error(ErrorCode::kParse, "gap ledger: a run needs at least one bar");
            }
            out.push_back(g);
        }
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, fmt::format("gap ledger: {}", e.what()));
    }
    std::sort(out.begin(), out.end(), [](const model::Gap& a, const model::Gap& b) {
        return a.first < b.first;
    });
    return out;
}

BarSchemaOptions bar_schema_for(const model::BarSeries& s) {
    BarSchemaOptions o;
    o.time_unit = time_unit_for(s);
    o.wide_prices =
        !(all_narrow(s.open()) && all_narrow(s.high()) && all_narrow(s.low()) &&
          all_narrow(s.close()));
    o.wide_volumes = !all_narrow(s.volume());
    if (s.has_quote_volume()) {
        o.wide_volumes = o.wide_volumes || !all_narrow(s.quote_volume());
    }
    if (s.has_taker_buy_volumes()) {
        o.wide_volumes = o.wide_volumes || !all_narrow(s.taker_buy_base_volume()) ||
                         !all_narrow(s.taker_buy_quote_volume());
    }
    o.quote_volume = s.has_quote_volume();
    o.trade_count = s.has_trade_count();
    o.taker_buy_volumes = s.has_taker_buy_volumes();
    return o;
}

std::vector<ColumnSchema> bar_schema(const BarSchemaOptions& o) {
    const auto price = [&](const char* name) {
        return decimal::decimal_column(name, o.wide_prices);
    };
    const auto volume = [&](const char* name) {
        return decimal::decimal_column(name, o.wide_volumes);
    };
    std::vector<ColumnSchema> s = {
        time_column("open_time", o.time_unit),
        price("open"),
        price("high"),
        price("low"),
        price("close"),
        volume("volume"),
        time_column("close_time", o.time_unit),
    };
    if (o.quote_volume) {
        s.push_back(volume("quote_volume"));
    }
    if (o.trade_count) {
        s.push_back(ColumnSchema{"trades", PhysicalType::kInt64, Repetition::kRequired, 0, {}});
    }
    if (o.taker_buy_volumes) {
        s.push_back(volume("taker_buy_base_volume"));
        s.push_back(volume("taker_buy_quote_volume"));
    }
    return s;
}

std::vector<ColumnData> bar_columns(
    const model::BarSeries& s, std::size_t begin, std::size_t end, const BarSchemaOptions& o) {
    const std::int64_t div = unit_ns(o.time_unit);
    const std::size_t n = end - begin;
    auto times = [&](std::span<const Timestamp> t) {
        ColumnData c(PhysicalType::kInt64);
        c.int64s.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            c.int64s[i] = t[begin + i].unix_ns() / div;
        }
        return c;
    };
    auto decimals = [&](auto values, bool wide) {
        ColumnData c = decimal::empty_decimal_column(wide);
        if (!wide) {
            c.int64s.resize(n);
            for (std::size_t i = 0; i < n; ++i) {
                c.int64s[i] = static_cast<std::int64_t>(values[begin + i].raw());
            }
            return c;
        }
        c.reserve(n);
        for (std::size_t i = begin; i < end; ++i) {
            decimal::push_decimal(c, static_cast<Int128>(values[i].raw()), wide);
        }
        return c;
    };
    std::vector<ColumnData> cols;
    cols.push_back(times(s.open_time()));
    cols.push_back(decimals(s.open(), o.wide_prices));
    cols.push_back(decimals(s.high(), o.wide_prices));
    cols.push_back(decimals(s.low(), o.wide_prices));
    cols.push_back(decimals(s.close(), o.wide_prices));
    cols.push_back(decimals(s.volume(), o.wide_volumes));
    cols.push_back(times(s.close_time()));
    if (o.quote_volume) {
        cols.push_back(decimals(s.quote_volume(), o.wide_volumes));
    }
    if (o.trade_count) {
        ColumnData c(PhysicalType::kInt64);
        c.int64s.assign(
            s.trade_count().begin() + static_cast<std::ptrdiff_t>(begin),
            s.trade_count().begin() + static_cast<std::ptrdiff_t>(end));
        cols.push_back(std::move(c));
    }
    if (o.taker_buy_volumes) {
        cols.push_back(decimals(s.taker_buy_base_volume(), o.wide_volumes));
        cols.push_back(decimals(s.taker_buy_quote_volume(), o.wide_volumes));
    }
    return cols;
}

std::vector<parquet::KeyValue> bar_metadata(
    const model::BarSeries& series, const std::optional<model::Instrument>& instrument) {
    std::vector<parquet::KeyValue> kv = {
        {"ats.schema", "bars/1"},
        {"ats.interval", series.interval().to_string()},
        {"ats.decimals", std::to_string(kDecimals)},
        {"ats.gaps", gaps_to_json(series.gaps())},
    };
    if (series.symbol()) {
        kv.push_back({"ats.symbol", series.symbol()->to_string()});
    }
    if (instrument) {
        kv.push_back({"ats.instrument.symbol", instrument->symbol.to_string()});
        kv.push_back({"ats.instrument.base_asset", instrument->base_asset});
        kv.push_back({"ats.instrument.quote_asset", instrument->quote_asset});
        kv.push_back({"ats.instrument.tick_size", instrument->tick_size.to_string()});
        kv.push_back({"ats.instrument.step_size", instrument->step_size.to_string()});
        kv.push_back({"ats.instrument.min_qty", instrument->min_qty.to_string()});
        kv.push_back({"ats.instrument.min_notional", instrument->min_notional.to_string()});
    }
    return kv;
}

Status write_bars_parquet(
    const model::BarSeries& series, const std::string& path, const ParquetWriteOptions& options) {
    const BarSchemaOptions schema_options = bar_schema_for(series);
    parquet::WriterOptions w;
    w.codec = options.codec;
    w.zstd_level = options.zstd_level;
    w.row_group_rows = options.row_group_rows;
    w.sync = options.sync;
    w.min_compression_gain = options.min_compression_gain;
    w.metadata = bar_metadata(series, options.instrument);
    auto writer = parquet::FileWriter::create(path, bar_schema(schema_options), w);
    if (!writer) {
        return tl::unexpected(writer.error());
    }
    const std::size_t step = std::max<std::size_t>(1, options.row_group_rows);
    for (std::size_t begin = 0; begin < series.size(); begin += step) {
        const std::size_t end = std::min(series.size(), begin + step);
        if (auto st = writer->write_row_group(bar_columns(series, begin, end, schema_options));
            !st) {
            return st;
        }
    }
    return writer->close();
}

namespace {

// Reads one row group's columns into raw values, collecting problems per row.
class BarFileLoader {
public:
    BarFileLoader(
        const parquet::FileReader& file, const KlineCsvOptions& options, const TimeRange& range)
        : file_(file), meta_(file.metadata()), options_(options), range_(range) {}

    Result<LoadedBars> load() {
        report_.path = file_.path();
        report_.format = "parquet";
        report_.layout = CsvLayout::kHeader;
        for (const auto& c : meta_.columns) {
            report_.columns.push_back(c.name);
        }
        if (auto st = find_columns(); !st) {
            return tl::unexpected(st.error());
        }
        if (auto st = choose_time_readers(); !st) {
            return tl::unexpected(st.error());
        }
        if (auto st = choose_interval(); !st) {
            return tl::unexpected(st.error());
        }
        LoadedBars out{model::BarSeries(report_.interval, symbol()), {}};
        out.series.reserve(static_cast<std::size_t>(meta_.num_rows));
        std::vector<Row> repair_rows;
        std::size_t row_base = 0;
        for (std::size_t g = 0; g < meta_.row_groups.size(); ++g) {
            const std::size_t rows = static_cast<std::size_t>(meta_.row_groups[g].num_rows);
            report_.lines += rows;
            if (!group_in_range(g)) {
                row_base += rows;
                continue;
            }
            if (auto st = convert_group(g); !st) {
                return tl::unexpected(st.error());
            }
            if (options_.policy == BadRowPolicy::kRepair) {
                if (auto st = collect_rows(row_base, repair_rows); !st) {
                    return tl::unexpected(st.error());
                }
            } else if (!bulk_accept(out.series)) {
                if (auto st = sequence_rows(row_base, out.series); !st) {
                    return tl::unexpected(st.error());
                }
            }
            row_base += rows;
        }
        if (options_.policy == BadRowPolicy::kRepair) {
            Timestamp high_water = Timestamp::from_unix_ns(INT64_MIN);
            for (const auto& r : repair_rows) {
                if (r.bar.open_time < high_water) {
                    ++report_.rows_reordered;
                }
                high_water = std::max(high_water, r.bar.open_time);
            }
            std::stable_sort(
                repair_rows.begin(), repair_rows.end(), [](const Row& a, const Row& b) {
                    return a.bar.open_time < b.bar.open_time;
                });
            for (auto& r : repair_rows) {
                auto outcome = sequencer_.sequence(r);
                if (!outcome) {
                    return tl::unexpected(outcome.error());
                }
                if (*outcome == rules::BarSequencer::Outcome::kAccept) {
                    out.series.push_back(r.bar);
                }
            }
        }
        report_.rows = out.series.size();
        if (auto st = merge_gaps(out.series); !st) {
            return tl::unexpected(st.error());
        }
        out.report = std::move(report_);
        return out;
    }

private:
    Error error(const std::string& message) const {
        return Error{ErrorCode::kParse, fmt::format("{}: {}", file_.path(), message)};
    }

    std::optional<Symbol> symbol() const {
        if (auto s = meta_.find_key("ats.symbol")) {
            if (auto parsed = Symbol::parse(*s)) {
                return *parsed;
            }
        }
        return symbol_from_path(file_.path());
    }

    Status find_columns() {
        column_.fill(-1);
        std::vector<std::string> names;
        for (const auto& c : meta_.columns) {
            names.push_back(lower(c.name));
        }
        const auto& aliases = rules::header_aliases();
        for (std::size_t f = 0; f < rules::kFieldCount; ++f) {
            for (const auto alias : aliases[f]) {
                const auto it = std::find(names.begin(), names.end(), alias);
                if (it != names.end()) {
                    column_[f] = static_cast<int>(it - names.begin());
                    break;
                }
            }
        }
        std::vector<std::string_view> missing;
        for (const Field f :
             {rules::kOpenTime,
              rules::kOpen,
              rules::kHigh,
              rules::kLow,
              rules::kClose,
              rules::kVolume}) {
            if (column_[f] < 0) {
                missing.emplace_back(
                    f == rules::kOpenTime ? "open_time/timestamp/ts/time/date"
                                          : rules::kBinanceNames[f]);
            }
        }
        if (!missing.empty()) {
            return tl::unexpected(error(fmt::format(
                "no column for {} (found: {})",
                fmt::join(missing, ", "),
                fmt::join(report_.columns, ","))));
        }
        if ((column_[rules::kTakerBase] >= 0) != (column_[rules::kTakerQuote] >= 0)) {
            column_[rules::kTakerBase] = -1;
            column_[rules::kTakerQuote] = -1;
        }
        for (std::size_t f = 0; f < rules::kFieldCount; ++f) {
            if (column_[f] < 0) {
                continue;
            }
            const ColumnSchema& c = meta_.columns[static_cast<std::size_t>(column_[f])];
            const bool time = f == rules::kOpenTime || f == rules::kCloseTime;
            const bool ok_type =
                time ? (c.type == PhysicalType::kInt64 || c.type == PhysicalType::kInt32 ||
                        c.type == PhysicalType::kInt96 || c.type == PhysicalType::kByteArray)
                     : c.type != PhysicalType::kBoolean && c.type != PhysicalType::kInt96;
            if (!ok_type) {
                return tl::unexpected(error(fmt::format(
                    "column '{}' is {}{}: not usable as {}",
                    c.name,
                    parquet::to_string(c.type),
                    c.logical.kind == LogicalType::Kind::kNone
                        ? ""
                        : " " + parquet::to_string(c.logical),
                    rules::kBinanceNames[f])));
            }
        }
        return ok_status();
    }

    std::string column_name(Field f) const {
        const auto idx = column_[f];
        return idx >= 0 ? meta_.columns[static_cast<std::size_t>(idx)].name
                        : std::string(rules::kBinanceNames[f]);
    }

    Status choose_time_readers() {
        for (const Field f : {rules::kOpenTime, rules::kCloseTime}) {
            if (column_[f] < 0) {
                continue;
            }
            const ColumnSchema& c = meta_.columns[static_cast<std::size_t>(column_[f])];
            TimeReader& t = time_[f == rules::kOpenTime ? 0 : 1];
            if (c.logical.kind == LogicalType::Kind::kTimestamp) {
                t.kind = TimeReader::Kind::kFactor;
                t.factor = unit_ns(c.logical.unit);
                if (f == rules::kOpenTime) {
                    report_.time_unit =
                        c.logical.unit == parquet::TimeUnit::kMillis   ? TimeUnit::kMilliseconds
                        : c.logical.unit == parquet::TimeUnit::kMicros ? TimeUnit::kMicroseconds
                                                                       : TimeUnit::kNanoseconds;
                }
            } else if (c.logical.kind == LogicalType::Kind::kDate) {
                t.kind = TimeReader::Kind::kDate;
            } else if (c.type == PhysicalType::kInt96) {
                t.kind = TimeReader::Kind::kInt96;
                if (f == rules::kOpenTime) {
                    report_.time_unit = TimeUnit::kNanoseconds;
                }
            } else if (c.type == PhysicalType::kByteArray) {
                t.kind = TimeReader::Kind::kText;
            } else {
                t.kind = TimeReader::Kind::kEpoch;
            }
        }
        return ok_status();
    }

    Status choose_interval() {
        if (options_.interval) {
            if (*options_.interval <= Duration{}) {
                return make_error(ErrorCode::kInvalidArgument, "interval must be positive");
            }
            report_.interval = *options_.interval;
            sequencer_.gaps = model::GapLedger(report_.interval);
            return ok_status();
        }
        if (auto stored = meta_.find_key("ats.interval")) {
            if (auto d = parse_duration(*stored)) {
                report_.interval = *d;
                sequencer_.gaps = model::GapLedger(report_.interval);
                return ok_status();
            }
        }
        // As in CSV: the most common positive step among the first rows.
        std::vector<std::int64_t> first;
        for (std::size_t g = 0; g < meta_.row_groups.size() && first.size() < kLookahead; ++g) {
            if (auto st = convert_group(g); !st) {
                return st;
            }
            for (std::size_t i = 0; i < open_ns_.size() && first.size() < kLookahead; ++i) {
                if (!problems_.count(i)) {
                    first.push_back(open_ns_[i]);
                }
            }
        }
        converted_group_ = SIZE_MAX;
        std::map<std::int64_t, std::size_t> steps;
        for (std::size_t i = 1; i < first.size(); ++i) {
            if (first[i] > first[i - 1]) {
                ++steps[first[i] - first[i - 1]];
            }
        }
        const auto best = std::max_element(
            steps.begin(), steps.end(), [](auto& a, auto& b) { return a.second < b.second; });
        if (best != steps.end()) {
            report_.interval = Duration::from_ns(best->first);
            report_.interval_inferred = true;
        }
        sequencer_.gaps = model::GapLedger(report_.interval);
        epoch_unit_known_ = false;  // the look-ahead's detection is redone on the real pass
        return ok_status();
    }

    bool group_in_range(std::size_t g) const {
        if (!range_.from && !range_.to) {
            return true;
        }
        const TimeReader& t = time_[0];
        if (t.kind != TimeReader::Kind::kFactor) {
            return true;
        }
        const auto& chunk =
            meta_.row_groups[g].columns[static_cast<std::size_t>(column_[rules::kOpenTime])];
        const auto stats = parquet::int64_range(chunk);
        if (!stats || chunk.statistics.null_count.value_or(1) != 0) {
            return true;
        }
        std::int64_t lo = 0;
        std::int64_t hi = 0;
        if (__builtin_mul_overflow(stats->first, t.factor, &lo) ||
            __builtin_mul_overflow(stats->second, t.factor, &hi)) {
            return true;
        }
        return range_.overlaps(Timestamp::from_unix_ns(lo), Timestamp::from_unix_ns(hi));
    }

    // Column `f` of row group `g` into a buffer kept across row groups (no reallocation).
    Result<ColumnData*> read_scratch(std::size_t g, Field f) {
        const auto idx = static_cast<std::size_t>(column_[f]);
        const ColumnSchema& s = meta_.columns[idx];
        ColumnData& col = scratch_[f];
        if (col.type != s.type) {
            col = ColumnData(
                s.type,
                s.type == PhysicalType::kFixedLenByteArray ? s.type_length
                : s.type == PhysicalType::kInt96           ? 12
                                                           : 0);
        }
        col.clear();
        if (auto st = file_.read_column_into(g, idx, col); !st) {
            return tl::unexpected(st.error());
        }
        return &col;
    }

    void note_problem(std::size_t row, Problem p) { problems_.try_emplace(row, std::move(p)); }

    // Times of one column into ns.
    Status convert_times(std::size_t g, Field f, std::vector<std::int64_t>& out) {
        auto scratch = read_scratch(g, f);
        if (!scratch) {
            return tl::unexpected(scratch.error());
        }
        const ColumnData* col = *scratch;
        const TimeReader& t = time_[f == rules::kOpenTime ? 0 : 1];
        const std::size_t n = col->size();
        out.assign(n, 0);
        const std::string name = column_name(f);
        for (std::size_t i = 0; i < n; ++i) {
            if (col->is_null(i)) {
                note_problem(i, {RowIssue::kBadTimestamp, fmt::format("column '{}': empty", name)});
                continue;
            }
            std::int64_t v = 0;
            switch (t.kind) {
                case TimeReader::Kind::kFactor: {
                    const std::int64_t raw =
                        col->type == PhysicalType::kInt64 ? col->int64s[i] : col->int32s[i];
                    if (__builtin_mul_overflow(raw, t.factor, &v)) {
                        note_problem(
                            i,
                            {RowIssue::kBadTimestamp,
                             fmt::format("column '{}': {} is beyond year 2262", name, raw)});
                    }
                    break;
                }
                case TimeReader::Kind::kDate: {
                    const std::int64_t days = col->int32s[i];
                    v = days * 86'400'000'000'000LL;
                    break;
                }
                case TimeReader::Kind::kInt96: {
                    const auto bytes = col->bytes_at(i);
                    std::int64_t nanos = 0;
                    std::int32_t julian = 0;
                    std::memcpy(&nanos, bytes.data(), 8);
                    std::memcpy(&julian, bytes.data() + 8, 4);
                    const std::int64_t days = static_cast<std::int64_t>(julian) - 2'440'588;
                    if (__builtin_mul_overflow(days, 86'400'000'000'000LL, &v) ||
                        __builtin_add_overflow(v, nanos, &v)) {
                        note_problem(
                            i,
                            {RowIssue::kBadTimestamp,
                             fmt::format("column '{}': INT96 time out of range", name)});
                    }
                    break;
                }
                case TimeReader::Kind::kEpoch: {
                    const std::int64_t raw =
                        col->type == PhysicalType::kInt64 ? col->int64s[i] : col->int32s[i];
                    if (raw < 0) {
                        note_problem(
                            i,
                            {RowIssue::kBadTimestamp,
                             fmt::format("column '{}': {} is not epoch s/ms/us/ns", name, raw)});
                        break;
                    }
                    epoch_time(raw, name, i, v);
                    break;
                }
                case TimeReader::Kind::kText: {
                    const auto text = col->bytes_at(i);
                    std::int64_t raw = 0;
                    const auto [ptr, ec] =
                        std::from_chars(text.data(), text.data() + text.size(), raw);
                    if (ec == std::errc() && ptr == text.data() + text.size() && raw >= 0) {
                        epoch_time(raw, name, i, v);
                    } else if (auto iso = Timestamp::parse_iso8601(text)) {
                        v = iso->unix_ns();
                        if (f == rules::kOpenTime && !epoch_unit_known_) {
                            report_.time_unit = TimeUnit::kIso8601;
                            epoch_unit_known_ = true;
                        }
                    } else {
                        note_problem(
                            i,
                            {RowIssue::kBadTimestamp,
                             fmt::format(
                                 "column '{}': '{}' is neither epoch s/ms/us/ns nor ISO-8601",
                                 name,
                                 text)});
                    }
                    break;
                }
            }
            out[i] = v;
        }
        return ok_status();
    }

    void epoch_time(std::int64_t raw, const std::string& name, std::size_t row, std::int64_t& v) {
        const TimeUnit unit = rules::classify_epoch(raw);
        if (!epoch_unit_known_) {
            report_.time_unit = unit;
            epoch_unit_known_ = true;
        } else if (unit != report_.time_unit) {
            note_problem(
                row,
                {RowIssue::kTimeUnitMismatch,
                 fmt::format(
                     "column '{}': {} looks like epoch {} but the file uses {}",
                     name,
                     raw,
                     to_string(unit),
                     to_string(report_.time_unit))});
            return;
        }
        if (__builtin_mul_overflow(raw, rules::epoch_factor(unit), &v)) {
            note_problem(
                row,
                {RowIssue::kBadTimestamp,
                 fmt::format("column '{}': {} is beyond year 2262", name, raw)});
        }
    }

    // Numbers of one column into raw 1e-8 units.
    Status convert_numbers(std::size_t g, Field f, decimal::RawColumn& out) {
        const auto idx = static_cast<std::size_t>(column_[f]);
        auto col = read_scratch(g, f);
        if (!col) {
            return tl::unexpected(col.error());
        }
        const ColumnSchema& schema = meta_.columns[idx];
        const bool price =
            f == rules::kOpen || f == rules::kHigh || f == rules::kLow || f == rules::kClose;
        const std::string name = column_name(f);
        decimal::to_raw(std::move(**col), schema, price, name, out);
        for (auto& [row, problem] : out.problems) {
            note_problem(row, std::move(problem));
        }
        return ok_status();
    }

    Status convert_group(std::size_t g) {
        if (converted_group_ == g) {
            return ok_status();
        }
        problems_.clear();
        if (auto st = convert_times(g, rules::kOpenTime, open_ns_); !st) {
            return st;
        }
        for (const Field f :
             {rules::kOpen, rules::kHigh, rules::kLow, rules::kClose, rules::kVolume}) {
            if (auto st = convert_numbers(g, f, values_[f]); !st) {
                return st;
            }
        }
        has_close_ = column_[rules::kCloseTime] >= 0;
        if (has_close_) {
            if (auto st = convert_times(g, rules::kCloseTime, close_ns_); !st) {
                return st;
            }
        }
        for (const Field f : {rules::kQuoteVolume, rules::kTakerBase, rules::kTakerQuote}) {
            if (column_[f] >= 0) {
                if (auto st = convert_numbers(g, f, values_[f]); !st) {
                    return st;
                }
            }
        }
        if (column_[rules::kTrades] >= 0) {
            if (auto st = convert_numbers(g, rules::kTrades, values_[rules::kTrades]); !st) {
                return st;
            }
            // Counts as whole numbers (64-bit arithmetic when the column is, as it nearly always
            // is).
            auto& trades = values_[rules::kTrades];
            trades_.resize(trades.size());
            const std::string name = column_name(rules::kTrades);
            for (std::size_t i = 0; i < trades.size(); ++i) {
                if (trades.is_narrow) {
                    const std::int64_t v = trades.narrow[i];
                    trades_[i] = v / kScale;
                    if (v % kScale == 0) {
                        continue;
                    }
                }
                const Int128 v = trades.at(i);
                trades_[i] = static_cast<std::int64_t>(v / kScale);
                if (v % kScale != 0 || !ats::detail::fits_int64(v / kScale)) {
                    note_problem(
                        i,
                        {RowIssue::kBadNumber,
                         fmt::format(
                             "column '{}': {} is not a whole number",
                             name,
                             ats::detail::format_fixed(v))});
                }
            }
        }
        converted_group_ = g;
        return ok_status();
    }

    void make_bar(std::size_t i, model::Bar& b) const {
        b.open_time = Timestamp::from_unix_ns(open_ns_[i]);
        b.open = Price::from_raw(static_cast<std::int64_t>(values_[rules::kOpen].at(i)));
        b.high = Price::from_raw(static_cast<std::int64_t>(values_[rules::kHigh].at(i)));
        b.low = Price::from_raw(static_cast<std::int64_t>(values_[rules::kLow].at(i)));
        b.close = Price::from_raw(static_cast<std::int64_t>(values_[rules::kClose].at(i)));
        b.volume = Qty::from_raw(values_[rules::kVolume].at(i));
        b.close_time = has_close_ ? Timestamp::from_unix_ns(close_ns_[i]) : b.open_time;
        b.quote_volume = column_[rules::kQuoteVolume] >= 0
                             ? std::optional(Money::from_raw(values_[rules::kQuoteVolume].at(i)))
                             : std::nullopt;
        b.trade_count = column_[rules::kTrades] >= 0 ? std::optional(trades_[i]) : std::nullopt;
        if (column_[rules::kTakerBase] >= 0) {
            b.taker_buy_base_volume = Qty::from_raw(values_[rules::kTakerBase].at(i));
            b.taker_buy_quote_volume = Money::from_raw(values_[rules::kTakerQuote].at(i));
        } else {
            b.taker_buy_base_volume.reset();
            b.taker_buy_quote_volume.reset();
        }
    }

    // Whole-group acceptance for clean data (no problem, in range, valid values, increasing
    // open times on the grid): bars go straight into the series. False leaves the group to the
    // row-by-row rules, which then name the first bad row.
    bool bulk_accept(model::BarSeries& series) {
        const std::size_t n = open_ns_.size();
        if (!problems_.empty() || n == 0) {
            return n == 0 && problems_.empty();
        }
        if (!range_.contains(Timestamp::from_unix_ns(open_ns_.front())) ||
            !range_.contains(Timestamp::from_unix_ns(open_ns_.back()))) {
            return false;
        }
        const std::int64_t interval = report_.interval.ns();
        const auto& prev = sequencer_.previous();
        std::int64_t last = prev ? prev->open_time.unix_ns() : INT64_MIN;
        const std::int64_t origin =
            sequencer_.grid_origin() ? sequencer_.grid_origin()->unix_ns() : open_ns_.front();
        const auto& o = values_[rules::kOpen];
        const auto& h = values_[rules::kHigh];
        const auto& l = values_[rules::kLow];
        const auto& c = values_[rules::kClose];
        const auto& v = values_[rules::kVolume];
        for (std::size_t i = 0; i < n; ++i) {
            const std::int64_t t = open_ns_[i];
            const Int128 oi = o.at(i);
            const Int128 ci = c.at(i);
            const Int128 li = l.at(i);
            if (t <= last || (interval > 0 && (t - origin) % interval != 0) || li <= 0 ||
                v.at(i) < 0 || h.at(i) < std::max(oi, ci) || li > std::min(oi, ci) ||
                (has_close_ && close_ns_[i] < t)) {
                return false;
            }
            last = t;
        }
        for (const Field f :
             {rules::kQuoteVolume, rules::kTrades, rules::kTakerBase, rules::kTakerQuote}) {
            if (column_[f] >= 0) {
                for (std::size_t i = 0; i < n; ++i) {
                    if (values_[f].at(i) < 0) {
                        return false;
                    }
                }
            }
        }
        // Gaps between consecutive bars, then the group in one append.
        for (std::size_t i = 0; i < n; ++i) {
            if (prev || i > 0) {
                const std::int64_t before = i > 0 ? open_ns_[i - 1] : prev->open_time.unix_ns();
                const std::int64_t steps = interval > 0 ? (open_ns_[i] - before) / interval : 0;
                if (steps > 1) {
                    sequencer_.gaps.record(
                        Timestamp::from_unix_ns(before) + report_.interval, steps - 1);
                }
            }
        }
        const Duration close_offset = report_.interval > Duration::from_ms(1)
                                          ? report_.interval - Duration::from_ms(1)
                                          : Duration{};
        bulk_.open_time.resize(n);
        bulk_.close_time.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            bulk_.open_time[i] = Timestamp::from_unix_ns(open_ns_[i]);
            bulk_.close_time[i] = has_close_ ? Timestamp::from_unix_ns(close_ns_[i])
                                             : bulk_.open_time[i] + close_offset;
        }
        const auto prices = [&](Field f, std::vector<Price>& out) {
            out.resize(n);
            for (std::size_t i = 0; i < n; ++i) {
                out[i] = Price::from_raw(static_cast<std::int64_t>(values_[f].at(i)));
            }
        };
        const auto wide = [&](Field f, auto& out) {
            using T = typename std::decay_t<decltype(out)>::value_type;
            out.resize(column_[f] >= 0 ? n : 0);
            for (std::size_t i = 0; i < out.size(); ++i) {
                out[i] = T::from_raw(values_[f].at(i));
            }
        };
        prices(rules::kOpen, bulk_.open);
        prices(rules::kHigh, bulk_.high);
        prices(rules::kLow, bulk_.low);
        prices(rules::kClose, bulk_.close);
        wide(rules::kVolume, bulk_.volume);
        wide(rules::kQuoteVolume, bulk_.quote_volume);
        wide(rules::kTakerBase, bulk_.taker_base);
        wide(rules::kTakerQuote, bulk_.taker_quote);
        bulk_.trades.resize(column_[rules::kTrades] >= 0 ? n : 0);
        for (std::size_t i = 0; i < bulk_.trades.size(); ++i) {
            bulk_.trades[i] = trades_[i];
        }
        series.append(model::BarSeries::Columns{
            bulk_.open_time,
            bulk_.close_time,
            bulk_.open,
            bulk_.high,
            bulk_.low,
            bulk_.close,
            bulk_.volume,
            bulk_.quote_volume,
            bulk_.trades,
            bulk_.taker_base,
            bulk_.taker_quote});
        sequencer_.resume_after(series.bar(series.size() - 1), Timestamp::from_unix_ns(origin));
        return true;
    }

    Status sequence_rows(std::size_t row_base, model::BarSeries& series) {
        Row row;
        const auto name = [this](Field f) {
            return column_name(f);
        };
        for (std::size_t i = 0; i < open_ns_.size(); ++i) {
            row.line = row_base + i + 1;
            Problem problem;
            const auto it = problems_.find(i);
            if (it != problems_.end()) {
                if (auto err = sequencer_.on_bad_row(row.line, it->second)) {
                    return tl::unexpected(*err);
                }
                continue;
            }
            make_bar(i, row.bar);
            row.has_close_time = has_close_;
            if (!range_.contains(row.bar.open_time)) {
                continue;
            }
            if (has_close_ && row.bar.close_time < row.bar.open_time) {
                problem = {
                    RowIssue::kBadCloseTime,
                    fmt::format(
                        "column '{}': close time {} is before open time {}",
                        column_name(rules::kCloseTime),
                        row.bar.close_time,
                        row.bar.open_time)};
                if (auto err = sequencer_.on_bad_row(row.line, problem)) {
                    return tl::unexpected(*err);
                }
                continue;
            }
            if (!rules::validate_bar_values(row.bar, problem, name)) {
                if (auto err = sequencer_.on_bad_row(row.line, problem)) {
                    return tl::unexpected(*err);
                }
                continue;
            }
            auto outcome = sequencer_.sequence(row);
            if (!outcome) {
                return tl::unexpected(outcome.error());
            }
            if (*outcome == rules::BarSequencer::Outcome::kAccept) {
                series.push_back(row.bar);
            }
        }
        return ok_status();
    }

    // Repair: rows that pass the value checks, for sorting before the sequence rules.
    Status collect_rows(std::size_t row_base, std::vector<Row>& rows) {
        const auto name = [this](Field f) {
            return column_name(f);
        };
        for (std::size_t i = 0; i < open_ns_.size(); ++i) {
            Row row;
            row.line = row_base + i + 1;
            Problem problem;
            const auto it = problems_.find(i);
            if (it != problems_.end()) {
                return tl::unexpected(sequencer_.row_error(row.line, it->second));
            }
            make_bar(i, row.bar);
            row.has_close_time = has_close_;
            if (!range_.contains(row.bar.open_time)) {
                continue;
            }
            if (has_close_ && row.bar.close_time < row.bar.open_time) {
                problem = {
                    RowIssue::kBadCloseTime,
                    fmt::format(
                        "column '{}': close time {} is before open time {}",
                        column_name(rules::kCloseTime),
                        row.bar.close_time,
                        row.bar.open_time)};
                return tl::unexpected(sequencer_.row_error(row.line, problem));
            }
            if (!rules::validate_bar_values(row.bar, problem, name)) {
                return tl::unexpected(sequencer_.row_error(row.line, problem));
            }
            rows.push_back(row);
        }
        return ok_status();
    }

    // The computed ledger (missing runs) plus the stored runs whose bars were filled or
    // backfilled (those are present, so only the file's ledger knows of them).
    Status merge_gaps(model::BarSeries& series) {
        std::vector<model::Gap> all = sequencer_.gaps.gaps();
        if (auto stored = meta_.find_key("ats.gaps")) {
            auto parsed = gaps_from_json(*stored);
            if (!parsed) {
                return tl::unexpected(error(parsed.error().message));
            }
            for (const auto& g : *parsed) {
                if (g.state != model::GapState::kMissing && range_.contains(g.first)) {
                    all.push_back(g);
                }
            }
        }
        std::stable_sort(all.begin(), all.end(), [](const model::Gap& a, const model::Gap& b) {
            return a.first < b.first;
        });
        model::GapLedger merged(report_.interval);
        const Duration interval = report_.interval;
        for (const auto& g : all) {
            if (!merged.empty() && merged.gaps().back().last(interval) >= g.first) {
                continue;  // overlaps a run already recorded: the data's own runs come first
            }
            merged.record(g.first, g.bars);
            merged.set_state(merged.gaps().size() - 1, g.state);
        }
        series.gaps() = merged;
        return ok_status();
    }

    const parquet::FileReader& file_;
    const parquet::FileMetadata& meta_;
    const KlineCsvOptions& options_;
    TimeRange range_;
    KlineCsvReport report_;
    rules::BarSequencer sequencer_{options_, report_, true};
    std::array<int, rules::kFieldCount> column_{};
    TimeReader time_[2];
    bool epoch_unit_known_ = false;
    std::size_t converted_group_ = SIZE_MAX;
    std::vector<std::int64_t> open_ns_;
    std::vector<std::int64_t> close_ns_;
    bool has_close_ = false;
    std::array<decimal::RawColumn, rules::kFieldCount> values_;
    std::array<ColumnData, rules::kFieldCount> scratch_;
    std::vector<std::int64_t> trades_;  // trade counts of the group
    // Typed columns of one row group for BarSeries::append (kept across groups).
    struct Bulk {
        std::vector<Timestamp> open_time;
        std::vector<Timestamp> close_time;
        std::vector<Price> open;
        std::vector<Price> high;
        std::vector<Price> low;
        std::vector<Price> close;
        std::vector<Qty> volume;
        std::vector<Money> quote_volume;
        std::vector<std::int64_t> trades;
        std::vector<Qty> taker_base;
        std::vector<Money> taker_quote;
    } bulk_;
    std::unordered_map<std::size_t, Problem> problems_;
};

}  // namespace

Result<LoadedBars> load_bars_parquet(
    const std::string& path, const KlineCsvOptions& options, const TimeRange& range) {
    auto file = parquet::FileReader::open(path);
    if (!file) {
        return tl::unexpected(file.error());
    }
    BarFileLoader loader(*file, options, range);
    return loader.load();
}

}  // namespace ats::data
