#include "ats/data/catalog.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include <fmt/format.h>

namespace ats::data {

namespace fs = std::filesystem;

namespace catalog {

std::string interval_name(Duration interval) {
    return interval.to_string();
}

std::string bars_dir(const std::string& root, const Symbol& symbol, Duration interval) {
    return (fs::path(root) / "bars" / ("symbol=" + symbol.to_string()) /
            ("interval=" + interval_name(interval)))
        .string();
}

std::string month_dir(
    const std::string& root, const Symbol& symbol, Duration interval, Timestamp t) {
    return (fs::path(bars_dir(root, symbol, interval)) / ("month=" + t.to_iso8601().substr(0, 7)))
        .string();
}

std::string day_dir(
    const std::string& root, const std::string& kind, const Symbol& symbol, Timestamp t) {
    return (fs::path(root) / kind / ("symbol=" + symbol.to_string()) /
            ("date=" + t.to_iso8601().substr(0, 10)))
        .string();
}

Timestamp month_start(Timestamp t) {
    return Timestamp::parse_iso8601(t.to_iso8601().substr(0, 7) + "-01T00:00:00Z").value();
}

Timestamp next_month(Timestamp t) {
    const std::string iso = month_start(t).to_iso8601();
    int year = std::stoi(iso.substr(0, 4));
    int month = std::stoi(iso.substr(5, 2)) + 1;
    if (month == 13) {
        month = 1;
        ++year;
    }
    return Timestamp::parse_iso8601(fmt::format("{:04}-{:02}-01T00:00:00Z", year, month)).value();
}

Timestamp hour_start(Timestamp t) {
    const std::int64_t hour_ns = 3'600'000'000'000;
    std::int64_t ns = t.unix_ns();
    ns -= ((ns % hour_ns) + hour_ns) % hour_ns;
    return Timestamp::from_unix_ns(ns);
}

bool is_root(const std::string& dir) {
    std::error_code ec;
    for (const char* kind : {"bars", "trades", "depth"}) {
        if (fs::is_directory(fs::path(dir) / kind, ec)) {
            return true;
        }
    }
    return false;
}

namespace {

std::vector<std::string> values_of(const fs::path& dir, const std::string& key) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (e.is_directory() && name.rfind(key + "=", 0) == 0) {
            out.push_back(name.substr(key.size() + 1));
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

std::vector<std::string> symbols(const std::string& root) {
    return values_of(fs::path(root) / "bars", "symbol");
}

std::vector<Duration> intervals(const std::string& root, const Symbol& symbol) {
    std::vector<Duration> out;
    for (const auto& v :
         values_of(fs::path(root) / "bars" / ("symbol=" + symbol.to_string()), "interval")) {
        if (auto d = parse_duration(v)) {
            out.push_back(*d);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> parquet_files(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (it->is_regular_file(ec) && it->path().extension() == ".parquet") {
            out.push_back(it->path().string());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace catalog

namespace {

// The ledger of `series`' span rebuilt from its bars, keeping the filled/backfilled runs of
// `stored` (those bars are present, so only a ledger knows of them).
model::GapLedger rebuild_ledger(
    const model::BarSeries& series, const std::vector<model::Gap>& stored) {
    const Duration interval = series.interval();
    std::vector<model::Gap> all;
    const auto times = series.open_time();
    if (interval > Duration{}) {
        for (std::size_t i = 1; i < times.size(); ++i) {
            const std::int64_t steps = (times[i] - times[i - 1]) / interval;
            if (steps > 1) {
                all.push_back(
                    model::Gap{times[i - 1] + interval, steps - 1, model::GapState::kMissing});
            }
        }
    }
    for (const auto& g : stored) {
        if (g.state != model::GapState::kMissing) {
            all.push_back(g);
        }
    }
    std::stable_sort(all.begin(), all.end(), [](const model::Gap& a, const model::Gap& b) {
        return a.first < b.first;
    });
    model::GapLedger ledger(interval);
    for (const auto& g : all) {
        if (!ledger.empty() && ledger.gaps().back().last(interval) >= g.first) {
            continue;
        }
        ledger.record(g.first, g.bars);
        ledger.set_state(ledger.gaps().size() - 1, g.state);
    }
    return ledger;
}

struct Source {
    std::string path;
    model::BarSeries series;
};

}  // namespace

Result<LoadedBars> load_bar_files(
    const std::vector<std::string>& files,
    const std::string& name,
    const KlineCsvOptions& options,
    const TimeRange& range) {
    if (files.empty()) {
        return make_error(ErrorCode::kNotFound, fmt::format("{}: no Parquet files", name));
    }
    LoadedBars out;
    out.report.path = name;
    out.report.format = "parquet";
    std::vector<Source> sources;
    std::vector<model::Gap> stored;
    std::optional<Duration> interval = options.interval;
    std::optional<Symbol> symbol;
    for (const auto& file : files) {
        KlineCsvOptions o = options;
        o.interval = interval;
        auto loaded = load_bars_parquet(file, o, range);
        if (!loaded) {
            return tl::unexpected(loaded.error());
        }
        if (loaded->series.empty()) {
            continue;
        }
        if (!interval) {
            interval = loaded->series.interval();
        } else if (*interval != loaded->series.interval()) {
            return make_error(
                ErrorCode::kParse,
                fmt::format(
                    "{}: interval {} differs from {} of the other files",
                    file,
                    loaded->series.interval(),
                    *interval));
        }
        if (loaded->series.symbol()) {
            if (symbol && *symbol != *loaded->series.symbol()) {
                return make_error(
                    ErrorCode::kParse,
                    fmt::format(
                        "{}: symbol {} differs from {} of the other files",
                        file,
                        *loaded->series.symbol(),
                        *symbol));
            }
            symbol = loaded->series.symbol();
        }
        const auto& r = loaded->report;
        if (out.report.columns.empty()) {
            out.report.columns = r.columns;
            out.report.time_unit = r.time_unit;
            out.report.interval_inferred = r.interval_inferred;
        }
        out.report.lines += r.lines;
        out.report.duplicates_dropped += r.duplicates_dropped;
        out.report.rows_reordered += r.rows_reordered;
        for (std::size_t k = 0; k < kRowIssueCount; ++k) {
            out.report.bad_rows[k] += r.bad_rows[k];
        }
        for (const auto& e : r.examples) {
            out.report.examples.push_back(
                RowProblem{e.line, e.issue, fmt::format("{}: {}", file, e.message)});
        }
        for (const auto& g : loaded->series.gaps().gaps()) {
            stored.push_back(g);
        }
        sources.push_back(Source{file, std::move(loaded->series)});
    }
    std::stable_sort(sources.begin(), sources.end(), [](const Source& a, const Source& b) {
        return a.series.open_time().front() < b.series.open_time().front();
    });
    out.report.interval = interval.value_or(Duration{});
    out.series = model::BarSeries(out.report.interval, symbol);
    std::size_t total = 0;
    for (const auto& s : sources) {
        total += s.series.size();
    }
    out.series.reserve(total);
    // Merge by open time. Files rarely overlap (a download and a recording of the same hours):
    // then the next bar is taken from whichever file has the earliest one.
    std::vector<std::size_t> pos(sources.size(), 0);
    std::optional<model::Bar> last;
    std::size_t last_source = 0;
    while (true) {
        std::size_t best = sources.size();
        for (std::size_t i = 0; i < sources.size(); ++i) {
            if (pos[i] < sources[i].series.size() &&
                (best == sources.size() || sources[i].series.open_time()[pos[i]] <
                                               sources[best].series.open_time()[pos[best]])) {
                best = i;
            }
        }
        if (best == sources.size()) {
            break;
        }
        model::Bar bar = sources[best].series.bar(pos[best]++);
        if (last && bar.open_time == last->open_time) {
            if (bar == *last) {
                ++out.report.duplicates_dropped;
                continue;
            }
            return make_error(
                ErrorCode::kParse,
                fmt::format(
                    "{} and {} hold different bars for {}",
                    sources[last_source].path,
                    sources[best].path,
                    bar.open_time));
        }
        out.series.push_back(bar);
        last = bar;
        last_source = best;
    }
    out.series.gaps() = rebuild_ledger(out.series, stored);
    out.report.rows = out.series.size();
    return out;
}

Result<LoadedBars> load_catalog_bars(
    const std::string& root,
    const Symbol& symbol,
    std::optional<Duration> interval,
    const KlineCsvOptions& options,
    const TimeRange& range) {
    const auto available = catalog::intervals(root, symbol);
    if (available.empty()) {
        return make_error(
            ErrorCode::kNotFound,
            fmt::format("{}: no bars for {} (looked in bars/symbol={}/)", root, symbol, symbol));
    }
    Duration chosen = available.front();
    if (interval) {
        if (std::find(available.begin(), available.end(), *interval) == available.end()) {
            std::vector<std::string> names;
            for (const auto d : available) {
                names.push_back(d.to_string());
            }
            return make_error(
                ErrorCode::kNotFound,
                fmt::format(
                    "{}: no {} bars for {} (has {})",
                    root,
                    *interval,
                    symbol,
                    fmt::join(names, ", ")));
        }
        chosen = *interval;
    } else if (
        std::find(available.begin(), available.end(), Duration::from_hours(1)) != available.end()) {
        chosen = Duration::from_hours(1);
    }
    const std::string dir = catalog::bars_dir(root, symbol, chosen);
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& month : fs::directory_iterator(dir, ec)) {
        const std::string name = month.path().filename().string();
        if (!month.is_directory() || name.rfind("month=", 0) != 0) {
            continue;
        }
        if (range.from || range.to) {
            auto start = Timestamp::parse_iso8601(name.substr(6) + "-01T00:00:00Z");
            if (start &&
                !range.overlaps(*start, catalog::next_month(*start) - Duration::from_ns(1))) {
                continue;
            }
        }
        for (auto& f : catalog::parquet_files(month.path().string())) {
            files.push_back(std::move(f));
        }
    }
    std::sort(files.begin(), files.end());
    KlineCsvOptions o = options;
    if (!o.interval) {
        o.interval = chosen;
    }
    auto loaded = load_bar_files(files, dir, o, range);
    if (loaded && !loaded->series.symbol()) {
        loaded->series.set_symbol(symbol);
    }
    return loaded;
}

Result<CatalogWriteReport> write_bars_to_catalog(
    const std::string& root, const model::BarSeries& series, const ParquetWriteOptions& options) {
    if (!series.symbol()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            "the bars have no symbol (name the file SYMBOL_..., or give --asset)");
    }
    if (series.interval() <= Duration{}) {
        return make_error(
            ErrorCode::kInvalidArgument, "the bars have no interval (give --interval)");
    }
    CatalogWriteReport report;
    const Symbol symbol = *series.symbol();
    std::size_t begin = 0;
    while (begin < series.size()) {
        const Timestamp month = catalog::month_start(series.open_time()[begin]);
        const Timestamp next = catalog::next_month(month);
        std::size_t end = begin;
        while (end < series.size() && series.open_time()[end] < next) {
            ++end;
        }
        const std::string dir = catalog::month_dir(root, symbol, series.interval(), month);
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) {
            return make_error(
                ErrorCode::kIo, fmt::format("{}: cannot create: {}", dir, ec.message()));
        }
        const std::string path = (fs::path(dir) / "data.parquet").string();
        model::BarSeries part(series.interval(), symbol);
        part.reserve(end - begin);
        std::vector<model::Gap> stored;
        for (const auto& g : series.gaps().gaps()) {
            if (g.first >= month && g.first < next) {
                stored.push_back(g);
            }
        }
        std::size_t existing = 0;
        if (fs::exists(path, ec)) {
            KlineCsvOptions o;
            o.interval = series.interval();
            auto old = load_bars_parquet(path, o);
            if (!old) {
                return tl::unexpected(old.error());
            }
            existing = old->series.size();
            for (const auto& g : old->series.gaps().gaps()) {
                stored.push_back(g);
            }
            // Merge the two sorted runs.
            std::size_t i = 0;
            std::size_t j = begin;
            const auto& a = old->series;
            while (i < a.size() || j < end) {
                if (j == end || (i < a.size() && a.open_time()[i] < series.open_time()[j])) {
                    part.push_back(a.bar(i++));
                } else if (i == a.size() || series.open_time()[j] < a.open_time()[i]) {
                    part.push_back(series.bar(j++));
                } else {
                    const model::Bar x = a.bar(i++);
                    const model::Bar y = series.bar(j++);
                    if (!(x == y)) {
                        return make_error(
                            ErrorCode::kAlreadyExists,
                            fmt::format(
                                "{} already holds a different bar for {}", path, x.open_time));
                    }
                    part.push_back(x);
                }
            }
        } else {
            for (std::size_t i = begin; i < end; ++i) {
                part.push_back(series.bar(i));
            }
        }
        part.gaps() = rebuild_ledger(part, stored);
        if (auto st = write_bars_parquet(part, path, options); !st) {
            return tl::unexpected(st.error());
        }
        ++report.files_written;
        report.bars_written += part.size();
        report.bars_new += part.size() - existing;
        begin = end;
    }
    return report;
}

}  // namespace ats::data
