#pragma once

#include <optional>
#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace ats::cli {

struct DataInspectArgs {
    std::string file;
    std::optional<std::string> interval;
    std::string policy = "strict";
    bool json = false;
};

struct DataResampleArgs {
    std::string file;
    std::string to;
    std::string output;
    std::optional<std::string> interval;
    std::string policy = "strict";
    bool drop_incomplete = false;
};

/// `ats data inspect`: loads a kline CSV and prints its summary (text or JSON). Returns an exit
/// code.
int run_data_inspect(const DataInspectArgs& args);

/// `ats data resample`: loads, resamples to a coarser UTC-aligned interval and writes a CSV.
int run_data_resample(const DataResampleArgs& args);

}  // namespace ats::cli
