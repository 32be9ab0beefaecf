#pragma once

// The trading setup now lives in the runtime library (the dashboard uses it too).
#include "ats/runtime/backtest_job.hpp"

namespace ats::cli {

using runtime::load_trading_setup;
using runtime::TradingSetup;

}  // namespace ats::cli
