#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace ats::cli {

struct DataInspectArgs {
    std::string file;
    std::optional<std::string> asset;  ///< for a catalog with several symbols
    std::optional<std::string> interval;
    std::string policy = "strict";
    bool json = false;
};

struct DataConvertArgs {
    std::string input;
    std::string to;  ///< parquet | csv
    std::string output;
    std::optional<std::string> asset;     ///< symbol (default: from the input's name or metadata)
    std::optional<std::string> interval;  ///< source interval (default: inferred)
    std::string policy = "strict";
    std::string codec = "zstd";  ///< zstd | snappy | none
    std::size_t row_group_rows = 65'536;
};

struct DataResampleArgs {
    std::string file;
    std::string to;
    std::string output;
    std::optional<std::string> interval;
    std::string policy = "strict";
    bool drop_incomplete = false;
};

/// `ats data inspect`: loads bars (CSV, Parquet or a catalog) and prints their summary (text or
/// JSON), with the Parquet layout (row groups, codecs, encodings, metadata) for Parquet files.
/// Returns an exit code.
int run_data_inspect(const DataInspectArgs& args);

/// `ats data convert`: CSV <-> Parquet (a file, or a catalog directory for Parquet), exactly.
int run_data_convert(const DataConvertArgs& args);

/// `ats data resample`: loads, resamples to a coarser UTC-aligned interval and writes a CSV.
int run_data_resample(const DataResampleArgs& args);

}  // namespace ats::cli
