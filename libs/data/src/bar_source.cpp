#include "ats/data/bar_source.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "ats/core/symbol.hpp"
#include "ats/data/catalog.hpp"

namespace ats::data {

namespace fs = std::filesystem;

bool is_parquet_file(const std::string& path) {
    // Only a regular file is peeked at: a FIFO or a pipe can be read once, by its loader.
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
        return fs::path(path).extension() == ".parquet";
    }
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
        char magic[4] = {};
        const std::size_t got = std::fread(magic, 1, 4, f);
        std::fclose(f);
        if (got == 4) {
            return std::memcmp(magic, "PAR1", 4) == 0;
        }
    }
    return fs::path(path).extension() == ".parquet";
}

Result<std::string> find_data_file(
    const std::string& data, const std::string& symbol, bool single) {
    std::error_code ec;
    if (fs::is_regular_file(data, ec)) {
        if (!single) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "--data {} is one file but several assets were asked for; give a directory",
                    data));
        }
        return data;
    }
    if (!fs::is_directory(data, ec)) {
        return make_error(
            ErrorCode::kNotFound, fmt::format("--data {}: no such file or directory", data));
    }
    std::vector<std::string> matches;
    for (const auto& entry : fs::directory_iterator(data, ec)) {
        const std::string name = entry.path().filename().string();
        const auto ext = entry.path().extension();
        if (entry.is_regular_file() && name.rfind(symbol, 0) == 0 && name.size() > symbol.size() &&
            (name[symbol.size()] == '_' || name[symbol.size()] == '-' ||
             name[symbol.size()] == '.') &&
            (ext == ".csv" || ext == ".parquet")) {
            matches.push_back(entry.path().string());
        }
    }
    std::sort(matches.begin(), matches.end());
    if (matches.empty()) {
        return make_error(
            ErrorCode::kNotFound,
            fmt::format("--data {}: no file named {}_*.csv or {}_*.parquet", data, symbol, symbol));
    }
    // Prefer the coarsest interval deterministically: the first in name order that is 1h, else any.
    for (const auto& m : matches) {
        if (m.find("_1h") != std::string::npos || m.find("-1h") != std::string::npos) {
            return m;
        }
    }
    return matches.front();
}

namespace {

Result<LoadedBars> load_file(const std::string& path, const BarRequest& r) {
    if (is_parquet_file(path)) {
        return load_bars_parquet(path, r.options, r.range);
    }
    return load_klines_csv(path, r.options);
}

// A directory inside a catalog (its path has a key=value component) or a directory holding
// only Parquet parts.
bool is_partition(const std::string& dir) {
    for (const auto& part : fs::path(dir)) {
        if (part.string().find('=') != std::string::npos) {
            return true;
        }
    }
    return false;
}

}  // namespace

Result<LoadedBars> load_bars(const BarRequest& r) {
    std::error_code ec;
    const std::string& data = r.data;
    if (fs::is_regular_file(data, ec)) {
        if (!r.single) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "--data {} is one file but several assets were asked for; give a directory",
                    data));
        }
        return load_file(data, r);
    }
    if (!fs::is_directory(data, ec)) {
        if (!r.symbol) {
            return load_file(data, r);  // the file reader's own error ("cannot open")
        }
        return make_error(
            ErrorCode::kNotFound, fmt::format("--data {}: no such file or directory", data));
    }
    if (catalog::is_root(data)) {
        std::string name;
        if (r.symbol) {
            name = *r.symbol;
        } else {
            const auto symbols = catalog::symbols(data);
            if (symbols.size() != 1) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format(
                        "--data {}: a catalog with {} symbols ({}); name one (--asset)",
                        data,
                        symbols.size(),
                        fmt::join(symbols, ", ")));
            }
            name = symbols.front();
        }
        auto symbol = Symbol::parse(name);
        if (!symbol) {
            return tl::unexpected(symbol.error());
        }
        KlineCsvOptions options = r.options;
        std::optional<Duration> interval = r.interval;
        if (!interval && options.interval) {
            interval = options.interval;
        }
        return load_catalog_bars(data, *symbol, interval, options, r.range);
    }
    if (is_partition(data)) {
        // symbol=X/: several intervals may sit below; take one like the catalog does.
        const auto intervals = [&] {
            std::vector<std::string> out;
            for (const auto& e : fs::directory_iterator(data, ec)) {
                const auto n = e.path().filename().string();
                if (e.is_directory() && n.rfind("interval=", 0) == 0) {
                    out.push_back(e.path().string());
                }
            }
            std::sort(out.begin(), out.end());
            return out;
        }();
        std::string dir = data;
        if (!intervals.empty()) {
            dir = intervals.front();
            for (const auto& i : intervals) {
                const std::string want =
                    "interval=" + (r.interval ? r.interval->to_string() : std::string("1h"));
                if (fs::path(i).filename() == want) {
                    dir = i;
                }
            }
        }
        return load_bar_files(catalog::parquet_files(dir), dir, r.options, r.range);
    }
    if (!r.symbol) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("--data {} is a directory: name the asset (or give a file)", data));
    }
    auto file = find_data_file(data, *r.symbol, r.single);
    if (!file) {
        return tl::unexpected(file.error());
    }
    return load_file(*file, r);
}

}  // namespace ats::data
