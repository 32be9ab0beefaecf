#include "risk_state_json.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ats::runtime::detail {

std::string risk_json(const risk::RiskState& r) {
    nlohmann::json j;
    j["halted"] = r.halted;
    j["halt_reason"] = r.halt_reason;
    j["day_halted"] = r.day_halted;
    j["day"] = r.day ? nlohmann::json(*r.day) : nlohmann::json();
    j["day_start_equity"] = r.day_start_equity.to_string();
    j["equity_high_water_mark"] = r.equity_high_water_mark
                                      ? nlohmann::json(r.equity_high_water_mark->to_string())
                                      : nlohmann::json();
    j["cooldowns"] = nlohmann::json::object();
    for (const auto& [symbol, until] : r.cooldowns) {
        j["cooldowns"][symbol.to_string()] = until.unix_ns();
    }
    return j.dump();
}

Result<risk::RiskState> parse_risk_json(std::string_view text) {
    const auto bad = [](std::string_view what) {
        return make_error(ErrorCode::kParse, fmt::format("stored risk state: bad '{}'", what));
    };
    try {
        const auto j = nlohmann::json::parse(text);
        risk::RiskState out;
        out.halted = j.at("halted").get<bool>();
        out.halt_reason = j.at("halt_reason").get<std::string>();
        out.day_halted = j.at("day_halted").get<bool>();
        if (!j.at("day").is_null()) {
            out.day = j.at("day").get<std::int64_t>();
        }
        auto equity = Money::parse(j.at("day_start_equity").get<std::string>());
        if (!equity) {
            return bad("day_start_equity");
        }
        out.day_start_equity = *equity;
        if (!j.at("equity_high_water_mark").is_null()) {
            auto peak = Money::parse(j.at("equity_high_water_mark").get<std::string>());
            if (!peak) {
                return bad("equity_high_water_mark");
            }
            out.equity_high_water_mark = *peak;
        }
        for (const auto& [name, until] : j.at("cooldowns").items()) {
            auto symbol = Symbol::parse(name);
            if (!symbol) {
                return bad("cooldowns");
            }
            if (until.is_number_integer()) {
                out.cooldowns.emplace_back(
                    *symbol, Timestamp::from_unix_ns(until.get<std::int64_t>()));
            } else if (until.is_string()) {  // files written before times were stored in ns
                auto t = Timestamp::parse_iso8601(until.get<std::string>());
                if (!t) {
                    return bad("cooldowns");
                }
                out.cooldowns.emplace_back(*symbol, *t);
            } else {
                return bad("cooldowns");
            }
        }
        return out;
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, fmt::format("stored risk state: {}", e.what()));
    }
}

}  // namespace ats::runtime::detail
