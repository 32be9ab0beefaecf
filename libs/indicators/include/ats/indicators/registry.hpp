#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/indicators/batch.hpp"
#include "ats/indicators/common.hpp"

/// Indicators by name, for the CLI and for configurable panels: "macd:12:26:9" names MACD with
/// TA-Lib's numeric parameters in TA-Lib's order (MA-type parameters are left out and keep
/// TA-Lib's defaults); omitted trailing parameters take TA-Lib's defaults.
namespace ats::indicators {

struct ParamInfo {
    std::string_view name;  ///< TA-Lib's name, e.g. "fastperiod"
    double default_value = 0.0;
    bool integer = true;
};

struct IndicatorInfo {
    std::string_view name;  ///< lower-case TA-Lib name, e.g. "macd"
    std::string_view summary;
    std::vector<ParamInfo> params;
    std::vector<std::string_view> outputs;  ///< TA-Lib's output names; one unnamed output if empty
};

/// Every indicator the registry knows, in documentation order.
const std::vector<IndicatorInfo>& indicator_catalog();

/// "sma[:timeperiod=30] ema[:timeperiod=30] ...", one entry per line, for error messages.
std::string indicator_usage();

/// A streaming indicator behind a uniform interface.
class AnyIndicator {
public:
    virtual ~AnyIndicator() = default;
    virtual void update(const Ohlcv& bar) = 0;
    virtual bool ready() const = 0;
    virtual double output(std::size_t index) const = 0;
    virtual std::size_t output_count() const = 0;
    virtual int lookback() const = 0;
};

/// A parsed entry of an indicator set.
struct IndicatorSpec {
    std::string name;                  ///< e.g. "macd"
    std::vector<double> params;        ///< every parameter, defaults filled in
    std::vector<std::string> columns;  ///< e.g. "macd_12_26_9_macdsignal"
};

/// Parses "name[:p1[:p2...]]". kInvalidArgument for an unknown name, a malformed or out-of-range
/// parameter or too many parameters; the message lists what is valid.
Result<IndicatorSpec> parse_indicator_spec(std::string_view text);

/// Parses a comma-separated set such as "sma:20,ema:20,rsi:14". Duplicate columns are an error.
Result<std::vector<IndicatorSpec>> parse_indicator_set(std::string_view text);

/// Builds the streaming object for a parsed spec.
Result<std::unique_ptr<AnyIndicator>> make_indicator(const IndicatorSpec& spec);

/// Computes a spec over bars: one column per output, NaN before the lookback.
Result<std::vector<std::vector<double>>> compute(const IndicatorSpec& spec, const BarColumns& bars);

}  // namespace ats::indicators
