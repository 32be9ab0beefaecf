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
};

/// `ats data download`: pages Binance klines into a CSV (resumable, rate-limit aware).
int run_data_download(const DataDownloadArgs& args);

}  // namespace ats::cli
