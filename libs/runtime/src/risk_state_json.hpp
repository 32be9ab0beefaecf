#pragma once

// The risk state as the state store keeps it (key "risk"), shared by the paper and live sessions.

#include <string>
#include <string_view>

#include "ats/core/error.hpp"
#include "ats/risk/risk_manager.hpp"

namespace ats::runtime::detail {

std::string risk_json(const risk::RiskState& state);

/// kParse naming the field for anything that is not what risk_json wrote.
Result<risk::RiskState> parse_risk_json(std::string_view text);

}  // namespace ats::runtime::detail
