#pragma once

#include <string>

namespace ats::cli {

struct DataDownloadArgs {
    std::string asset;
    std::string interval = "1m";
    std::string from;
    std::string to;
    std::string output;
    std::string base_url;
    std::string ca_file;  ///< extra trusted CA certificates for an https:// base URL
    bool no_progress = false;
    std::string format = "csv";  ///< csv, or parquet: `output` is a catalog directory
};

/// `ats data download`: pages Binance klines into a CSV (resumable, rate-limit aware), or with
/// --format parquet into a catalog: the pages go to a resumable staging CSV under
/// <catalog>/.staging/, which is merged into the month files and removed once complete.
int run_data_download(const DataDownloadArgs& args);

}  // namespace ats::cli
