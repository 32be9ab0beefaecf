#include "data_commands.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "ats/data/bar_source.hpp"
#include "ats/data/catalog.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/data/parquet_bars.hpp"
#include "ats/data/resample.hpp"
#include "ats/parquet/reader.hpp"

#include "cli_common.hpp"
#include "exit_codes.hpp"

namespace ats::cli {
namespace {

constexpr std::size_t kMaxListedGaps = 10;

int fail(const Error& error) {
    return ats::cli::fail(error.message, exit_code_for(error));
}

Result<data::KlineCsvOptions> make_options(
    const std::optional<std::string>& interval, const std::string& policy) {
    data::KlineCsvOptions options;
    auto p = data::parse_policy(policy);
    if (!p) {
        return tl::unexpected(p.error());
    }
    options.policy = *p;
    if (interval) {
        auto d = parse_duration(*interval);
        if (!d) {
            return tl::unexpected(d.error());
        }
        options.interval = *d;
    }
    return options;
}

struct Extreme {
    Price value;
    Timestamp at;
};

struct Summary {
    std::size_t rows = 0;
    Timestamp first;
    Timestamp last;
    std::int64_t expected_bars = 0;
    Price first_open;
    Price last_close;
    Extreme low;
    Extreme high;
    double volume_total = 0;
    std::optional<double> quote_volume_total;
    std::optional<std::int64_t> trades_total;
};

Summary summarize(const model::BarSeries& s) {
    Summary out;
    out.rows = s.size();
    if (s.empty()) {
        return out;
    }
    out.first = s.open_time().front();
    out.last = s.open_time().back();
    if (s.interval() > Duration{}) {
        out.expected_bars = (out.last - out.first) / s.interval() + 1;
    }
    out.first_open = s.open().front();
    out.last_close = s.close().back();
    const auto lo = std::min_element(s.low().begin(), s.low().end());
    const auto hi = std::max_element(s.high().begin(), s.high().end());
    out.low = {*lo, s.open_time()[static_cast<std::size_t>(lo - s.low().begin())]};
    out.high = {*hi, s.open_time()[static_cast<std::size_t>(hi - s.high().begin())]};
    // Totals are summaries for people: summed as long double so that years of quote volume
    // (beyond the 9.2e10 range of the fixed-point types) cannot overflow.
    long double volume = 0;
    for (const auto v : s.volume()) {
        volume += static_cast<long double>(v.raw());
    }
    out.volume_total = static_cast<double>(volume / kScale);
    if (s.has_quote_volume()) {
        long double total = 0;
        for (const auto v : s.quote_volume()) {
            total += static_cast<long double>(v.raw());
        }
        out.quote_volume_total = static_cast<double>(total / kScale);
    }
    if (s.has_trade_count()) {
        std::int64_t total = 0;
        for (const auto v : s.trade_count()) {
            total += v;
        }
        out.trades_total = total;
    }
    return out;
}

nlohmann::json to_json(const data::LoadedBars& loaded, const Summary& sum) {
    const auto& r = loaded.report;
    const auto& s = loaded.series;
    nlohmann::json j;
    j["file"] = r.path;
    j["symbol"] = s.symbol() ? s.symbol()->to_string() : std::string();
    j["layout"] = std::string(to_string(r.layout));
    j["columns"] = r.columns;
    j["time_unit"] = std::string(to_string(r.time_unit));
    j["interval"] = r.interval.to_string();
    j["interval_inferred"] = r.interval_inferred;
    j["policy"] = "";
    j["lines"] = r.lines;
    j["blank_lines"] = r.blank_lines;
    j["rows"] = sum.rows;
    if (sum.rows > 0) {
        j["first_open_time"] = sum.first.to_iso8601();
        j["last_open_time"] = sum.last.to_iso8601();
        j["first_open_time_ms"] = sum.first.unix_ms();
        j["last_open_time_ms"] = sum.last.unix_ms();
        j["expected_bars"] = sum.expected_bars;
        j["price"] = {
            {"first_open", sum.first_open.to_string()},
            {"last_close", sum.last_close.to_string()},
            {"min_low", sum.low.value.to_string()},
            {"min_low_time", sum.low.at.to_iso8601()},
            {"max_high", sum.high.value.to_string()},
            {"max_high_time", sum.high.at.to_iso8601()},
        };
        nlohmann::json volume = {{"total", sum.volume_total}};
        if (sum.quote_volume_total) {
            volume["quote_total"] = *sum.quote_volume_total;
        }
        if (sum.trades_total) {
            volume["trades_total"] = *sum.trades_total;
        }
        j["volume"] = volume;
    }
    nlohmann::json gaps = nlohmann::json::array();
    for (const auto& g : s.gaps().gaps()) {
        gaps.push_back(
            {{"first", g.first.to_iso8601()},
             {"last", g.last(s.interval()).to_iso8601()},
             {"bars", g.bars},
             {"state", std::string(model::to_string(g.state))}});
    }
    j["gaps"] = {
        {"runs", s.gaps().missing_runs()},
        {"missing_bars", s.gaps().missing_bars()},
        {"list", gaps}};
    nlohmann::json bad = nlohmann::json::object();
    for (std::size_t k = 0; k < data::kRowIssueCount; ++k) {
        if (r.bad_rows[k] > 0) {
            bad[std::string(to_string(static_cast<data::RowIssue>(k)))] = r.bad_rows[k];
        }
    }
    j["bad_rows"] = {{"total", r.bad_row_total()}, {"by_kind", bad}};
    j["duplicates"] = {
        {"dropped_exact", r.duplicates_dropped},
        {"skipped_exact", r.bad_rows_of(data::RowIssue::kDuplicate)},
        {"skipped_conflicting", r.bad_rows_of(data::RowIssue::kConflictingDuplicate)}};
    j["rows_reordered"] = r.rows_reordered;
    nlohmann::json examples = nlohmann::json::array();
    for (const auto& e : r.examples) {
        examples.push_back(
            {{"line", e.line}, {"kind", std::string(to_string(e.issue))}, {"message", e.message}});
    }
    j["examples"] = examples;
    return j;
}

void print_text(const data::LoadedBars& loaded, const Summary& sum, const std::string& policy) {
    const auto& r = loaded.report;
    const auto& s = loaded.series;
    fmt::print("file          {}\n", printable(r.path));
    if (s.symbol()) {
        fmt::print("symbol        {}\n", *s.symbol());
    }
    fmt::print(
        "format        {} ({} columns: {}), time as {}\n",
        r.format == "parquet" ? std::string("parquet") : std::string(to_string(r.layout)),
        r.columns.size(),
        printable(fmt::format("{}", fmt::join(r.columns, ","))),
        to_string(r.time_unit));
    fmt::print(
        "interval      {}{}\n",
        r.interval.to_string(),
        r.interval_inferred ? " (inferred from the data)" : "");
    fmt::print("policy        {}\n", policy);
    if (r.format == "parquet") {
        fmt::print("rows          {} ({} in the file)\n", sum.rows, r.lines);
    } else {
        fmt::print("rows          {} ({} lines, {} blank)\n", sum.rows, r.lines, r.blank_lines);
    }
    if (sum.rows > 0) {
        fmt::print("first bar     {}\n", sum.first);
        fmt::print("last bar      {}\n", sum.last);
        if (sum.expected_bars > 0) {
            fmt::print(
                "coverage      {} of {} bars ({:.4f}%)\n",
                sum.rows,
                sum.expected_bars,
                100.0 * static_cast<double>(sum.rows) / static_cast<double>(sum.expected_bars));
        }
    }
    const auto& ledger = s.gaps();
    fmt::print(
        "gaps          {} runs, {} missing bars\n", ledger.missing_runs(), ledger.missing_bars());
    std::size_t listed = 0;
    for (const auto& g : ledger.gaps()) {
        if (listed++ == kMaxListedGaps) {
            fmt::print("              ... {} more\n", ledger.gaps().size() - kMaxListedGaps);
            break;
        }
        fmt::print("              {} .. {} ({} bars)\n", g.first, g.last(s.interval()), g.bars);
    }
    fmt::print(
        "duplicates    {} exact dropped, {} exact skipped, {} conflicting skipped\n",
        r.duplicates_dropped,
        r.bad_rows_of(data::RowIssue::kDuplicate),
        r.bad_rows_of(data::RowIssue::kConflictingDuplicate));
    if (r.rows_reordered > 0) {
        fmt::print("reordered     {} rows were out of order and re-sorted\n", r.rows_reordered);
    }
    fmt::print("bad rows      {}\n", r.bad_row_total());
    for (std::size_t k = 0; k < data::kRowIssueCount; ++k) {
        if (r.bad_rows[k] > 0) {
            fmt::print("  {:<22} {}\n", to_string(static_cast<data::RowIssue>(k)), r.bad_rows[k]);
        }
    }
    for (const auto& e : r.examples) {
        fmt::print(
            "  e.g. {} {}: {}\n",
            r.format == "parquet" ? "row" : "line",
            e.line,
            printable(e.message));
    }
    if (sum.rows > 0) {
        fmt::print("price         first open {}, last close {}\n", sum.first_open, sum.last_close);
        fmt::print("              low {} at {}\n", sum.low.value, sum.low.at);
        fmt::print("              high {} at {}\n", sum.high.value, sum.high.at);
        fmt::print(
            "volume        {:.8f} base total, {:.6f} per bar\n",
            sum.volume_total,
            sum.volume_total / static_cast<double>(sum.rows));
        if (sum.quote_volume_total) {
            fmt::print("              {:.2f} quote total\n", *sum.quote_volume_total);
        }
        if (sum.trades_total) {
            fmt::print("              {} trades\n", *sum.trades_total);
        }
    }
}

// The layout of a Parquet file, for `inspect`.
nlohmann::json parquet_json(const parquet::FileReader& file) {
    const auto& meta = file.metadata();
    nlohmann::json j;
    j["bytes"] = file.file_size();
    j["created_by"] = meta.created_by.value_or("");
    j["row_groups"] = meta.row_groups.size();
    nlohmann::json columns = nlohmann::json::array();
    for (std::size_t c = 0; c < meta.columns.size(); ++c) {
        const auto& col = meta.columns[c];
        std::set<std::string> encodings;
        std::set<std::string> codecs;
        std::int64_t compressed = 0;
        std::int64_t uncompressed = 0;
        for (const auto& g : meta.row_groups) {
            for (const auto e : g.columns[c].encodings) {
                encodings.insert(std::string(parquet::to_string(e)));
            }
            codecs.insert(std::string(parquet::to_string(g.columns[c].codec)));
            compressed += g.columns[c].total_compressed_size;
            uncompressed += g.columns[c].total_uncompressed_size;
        }
        columns.push_back(
            {{"name", col.name},
             {"type", std::string(parquet::to_string(col.type))},
             {"logical", parquet::to_string(col.logical)},
             {"optional", col.repetition == parquet::Repetition::kOptional},
             {"encodings", encodings},
             {"codecs", codecs},
             {"compressed_bytes", compressed},
             {"uncompressed_bytes", uncompressed}});
    }
    j["columns"] = columns;
    nlohmann::json kv = nlohmann::json::object();
    for (const auto& e : meta.key_value_metadata) {
        kv[e.key] = e.value.value_or("");
    }
    j["metadata"] = kv;
    return j;
}

void print_parquet(const nlohmann::json& j) {
    fmt::print(
        "parquet       {} bytes, {} row group(s), written by {}\n",
        j["bytes"].get<std::uint64_t>(),
        j["row_groups"].get<std::size_t>(),
        j["created_by"].get<std::string>());
    for (const auto& c : j["columns"]) {
        fmt::print(
            "  {:<24} {:<20} {:<24} {} {} {} -> {} bytes\n",
            c["name"].get<std::string>(),
            c["type"].get<std::string>(),
            c["logical"].get<std::string>(),
            fmt::join(c["encodings"].get<std::vector<std::string>>(), "+"),
            fmt::join(c["codecs"].get<std::vector<std::string>>(), "+"),
            c["uncompressed_bytes"].get<std::int64_t>(),
            c["compressed_bytes"].get<std::int64_t>());
    }
    for (const auto& [key, value] : j["metadata"].items()) {
        std::string v = value.get<std::string>();
        if (v.size() > 100) {
            v = v.substr(0, 97) + "...";
        }
        fmt::print("  {} = {}\n", key, v);
    }
}

Result<parquet::Codec> parse_codec(const std::string& name) {
    if (name == "zstd") {
        return parquet::Codec::kZstd;
    }
    if (name == "snappy") {
        return parquet::Codec::kSnappy;
    }
    if (name == "none" || name == "uncompressed") {
        return parquet::Codec::kUncompressed;
    }
    return make_error(
        ErrorCode::kInvalidArgument, fmt::format("--codec '{}': use zstd, snappy or none", name));
}

}  // namespace

int run_data_inspect(const DataInspectArgs& args) {
    auto options = make_options(args.interval, args.policy);
    if (!options) {
        return fail(options.error());
    }
    data::BarRequest request;
    request.data = args.file;
    request.symbol = args.asset;
    request.options = *options;
    auto loaded = data::load_bars(request);
    if (!loaded) {
        return fail(loaded.error());
    }
    std::optional<nlohmann::json> layout;
    std::error_code ec;
    if (std::filesystem::is_regular_file(args.file, ec) && data::is_parquet_file(args.file)) {
        auto file = parquet::FileReader::open(args.file);
        if (!file) {
            return fail(file.error());
        }
        layout = parquet_json(*file);
    }
    const Summary sum = summarize(loaded->series);
    if (args.json) {
        auto j = to_json(*loaded, sum);
        j["policy"] = args.policy;
        j["format"] = loaded->report.format;
        if (layout) {
            j["parquet"] = *layout;
        }
        fmt::print("{}\n", j.dump(2));
    } else {
        print_text(*loaded, sum, args.policy);
        if (layout) {
            print_parquet(*layout);
        }
    }
    return kExitOk;
}

int run_data_resample(const DataResampleArgs& args) {
    auto options = make_options(args.interval, args.policy);
    if (!options) {
        return fail(options.error());
    }
    auto to = parse_duration(args.to);
    if (!to) {
        return fail(to.error());
    }
    data::BarRequest request;
    request.data = args.file;
    request.options = *options;
    auto loaded = data::load_bars(request);
    if (!loaded) {
        return fail(loaded.error());
    }
    data::ResampleOptions resample_options;
    resample_options.drop_incomplete = args.drop_incomplete;
    auto result = data::resample(loaded->series, *to, resample_options);
    if (!result) {
        return fail(result.error());
    }
    const bool parquet_out = std::filesystem::path(args.output).extension() == ".parquet";
    data::ParquetWriteOptions parquet_options;
    if (auto written = parquet_out
                           ? data::write_bars_parquet(result->series, args.output, parquet_options)
                           : data::write_klines_csv(result->series, args.output);
        !written) {
        return fail(written.error());
    }
    std::fprintf(
        stderr,
        "ats: %zu %s bars -> %zu %s bars in %s; %zu incomplete bucket(s)%s, %zu gap run(s)\n",
        loaded->series.size(),
        loaded->series.interval().to_string().c_str(),
        result->series.size(),
        to->to_string().c_str(),
        args.output.c_str(),
        result->incomplete.size(),
        args.drop_incomplete ? " dropped" : " kept",
        result->series.gaps().missing_runs());
    for (std::size_t i = 0; i < result->incomplete.size() && i < kMaxListedGaps; ++i) {
        const auto& b = result->incomplete[i];
        std::fprintf(
            stderr,
            "ats:   incomplete %s: %lld of %lld bars\n",
            b.open_time.to_iso8601().c_str(),
            static_cast<long long>(b.bars_present),
            static_cast<long long>(b.bars_expected));
    }
    return kExitOk;
}

}  // namespace ats::cli

namespace ats::cli {

int run_data_convert(const DataConvertArgs& args) {
    auto options = make_options(args.interval, args.policy);
    if (!options) {
        return fail(options.error());
    }
    if (args.to != "parquet" && args.to != "csv") {
        std::fprintf(stderr, "ats: --to '%s': use parquet or csv\n", args.to.c_str());
        return kExitUsage;
    }
    auto codec = parse_codec(args.codec);
    if (!codec) {
        return fail(codec.error());
    }
    if (args.row_group_rows == 0 || args.row_group_rows > (std::size_t{1} << 26)) {
        std::fprintf(stderr, "ats: --row-group-rows must be in 1..67108864\n");
        return kExitUsage;
    }
    data::BarRequest request;
    request.data = args.input;
    request.symbol = args.asset;
    request.options = *options;
    auto loaded = data::load_bars(request);
    if (!loaded) {
        return fail(loaded.error());
    }
    model::BarSeries& series = loaded->series;
    if (args.asset) {
        auto symbol = Symbol::parse(*args.asset);
        if (!symbol) {
            return fail(symbol.error());
        }
        series.set_symbol(*symbol);
    }
    data::ParquetWriteOptions parquet_options;
    parquet_options.codec = *codec;
    parquet_options.row_group_rows = args.row_group_rows;
    namespace fs = std::filesystem;
    std::error_code ec;
    if (args.to == "csv") {
        if (auto st = data::write_klines_csv(series, args.output); !st) {
            return fail(st.error());
        }
        std::fprintf(stderr, "ats: %zu bars -> %s (csv)\n", series.size(), args.output.c_str());
        return kExitOk;
    }
    const bool to_catalog = fs::is_directory(args.output, ec) || args.output.back() == '/' ||
                            fs::path(args.output).extension() != ".parquet";
    if (to_catalog) {
        auto report = data::write_bars_to_catalog(args.output, series, parquet_options);
        if (!report) {
            return fail(report.error());
        }
        std::fprintf(
            stderr,
            "ats: %zu bars -> catalog %s: %zu month file(s), %zu new bar(s)\n",
            series.size(),
            args.output.c_str(),
            report->files_written,
            report->bars_new);
        return kExitOk;
    }
    if (auto st = data::write_bars_parquet(series, args.output, parquet_options); !st) {
        return fail(st.error());
    }
    std::fprintf(stderr, "ats: %zu bars -> %s (parquet)\n", series.size(), args.output.c_str());
    return kExitOk;
}

}  // namespace ats::cli
