#pragma once

#include <optional>
#include <string>

namespace ats::cli {

/// Flags of `ats altdata collect` (docs/altdata.md).
struct AltdataCollectArgs {
    std::string source;  ///< coinmetrics | fear-greed | news
    std::string db = "altdata.db";
    std::optional<std::string> base_url;  ///< default: the public API
    std::string asset = "btc";
    std::string metrics = "AdrActCnt,TxCnt,FeeTotNtv,FlowInExNtv,FlowOutExNtv,HashRate,CapMVRVCur";
    std::string start;  ///< UTC date; default: resume from the database
    double rate = 1;    ///< requests per second
    int max_attempts = 5;
    bool no_progress = false;
};

int run_altdata_collect(const AltdataCollectArgs& args);
/// Series, value and revision counts, date ranges and headlines of a collected database.
int run_altdata_show(const std::string& db_path);

}  // namespace ats::cli
