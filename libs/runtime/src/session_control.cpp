#include "ats/runtime/session_control.hpp"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ats/engine/trading_engine.hpp"

namespace ats::runtime {

using Json = nlohmann::json;

std::string_view to_string(SessionCommand::Kind kind) noexcept {
    switch (kind) {
        case SessionCommand::Kind::kPauseEntries:
            return "pause_entries";
        case SessionCommand::Kind::kResumeEntries:
            return "resume_entries";
        case SessionCommand::Kind::kClosePosition:
            return "close_position";
        case SessionCommand::Kind::kEmergencyStop:
            return "emergency_stop";
        case SessionCommand::Kind::kSetRisk:
            return "set_risk";
    }
    return "unknown";
}

namespace {

Json limits_to_json(const risk::RiskLimits& l) {
    Json j = Json::object();
    if (l.max_position_qty) {
        j["max_position_qty"] = l.max_position_qty->to_string();
    }
    if (l.max_position_notional) {
        j["max_position_notional"] = l.max_position_notional->to_string();
    }
    const auto real = [&](const char* key, const std::optional<double>& v) {
        if (v) {
            j[key] = *v;
        }
    };
    real("max_gross_exposure", l.max_gross_exposure);
    j["max_open_orders"] = l.max_open_orders;
    real("max_daily_loss_pct", l.max_daily_loss_pct);
    real("max_drawdown_pct", l.max_drawdown_pct);
    real("stop_loss_atr", l.stop_loss_atr);
    real("take_profit_atr", l.take_profit_atr);
    real("trailing_stop_atr", l.trailing_stop_atr);
    real("trailing_stop_pct", l.trailing_stop_pct);
    j["atr_period"] = l.atr_period;
    if (l.cooldown_after_stop) {
        j["cooldown_after_stop_s"] = l.cooldown_after_stop->ns() / 1'000'000'000;
    }
    return j;
}

Result<risk::RiskLimits> limits_from_json(const Json& j) {
    if (!j.is_object()) {
        return make_error(ErrorCode::kInvalidArgument, "risk: expected an object");
    }
    static const char* const kKeys[] = {
        "max_position_qty",
        "max_position_notional",
        "max_gross_exposure",
        "max_open_orders",
        "max_daily_loss_pct",
        "max_drawdown_pct",
        "stop_loss_atr",
        "take_profit_atr",
        "trailing_stop_atr",
        "trailing_stop_pct",
        "atr_period",
        "cooldown_after_stop_s"};
    for (const auto& [key, value] : j.items()) {
        if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
            return make_error(
                ErrorCode::kInvalidArgument, fmt::format("risk: unknown key '{}'", key));
        }
    }
    risk::RiskLimits out;
    const auto number = [&](const char* key) -> Result<std::optional<double>> {
        if (!j.contains(key) || j.at(key).is_null()) {
            return std::optional<double>();
        }
        const auto& v = j.at(key);
        if (!v.is_number() || v.is_boolean()) {
            return make_error(
                ErrorCode::kInvalidArgument, fmt::format("risk: {} must be a number", key));
        }
        return std::optional<double>(v.get<double>());
    };
    const auto fixed = [&](const char* key, auto& out_value) -> Status {
        if (!j.contains(key) || j.at(key).is_null()) {
            return ok_status();
        }
        const auto& v = j.at(key);
        using T = typename std::decay_t<decltype(out_value)>::value_type;
        Result<T> parsed = v.is_string() ? T::parse(v.get<std::string>())
                           : v.is_number() && !v.is_boolean()
                               ? T::from_double(v.get<double>(), Round::kDown)
                               : Result<T>(make_error(ErrorCode::kInvalidArgument, "not a number"));
        if (!parsed) {
            return make_error(
                ErrorCode::kInvalidArgument, fmt::format("risk: {} must be a number", key));
        }
        out_value = *parsed;
        return ok_status();
    };
    if (auto s = fixed("max_position_qty", out.max_position_qty); !s) {
        return tl::unexpected(s.error());
    }
    if (auto s = fixed("max_position_notional", out.max_position_notional); !s) {
        return tl::unexpected(s.error());
    }
    for (const auto& [key, target] :
         {std::pair{"max_gross_exposure", &out.max_gross_exposure},
          std::pair{"max_daily_loss_pct", &out.max_daily_loss_pct},
          std::pair{"max_drawdown_pct", &out.max_drawdown_pct},
          std::pair{"stop_loss_atr", &out.stop_loss_atr},
          std::pair{"take_profit_atr", &out.take_profit_atr},
          std::pair{"trailing_stop_atr", &out.trailing_stop_atr},
          std::pair{"trailing_stop_pct", &out.trailing_stop_pct}}) {
        auto v = number(key);
        if (!v) {
            return tl::unexpected(v.error());
        }
        *target = *v;
    }
    const auto integer =
        [&](const char* key, double lo, double hi) -> Result<std::optional<double>> {
        auto v = number(key);
        if (!v) {
            return v;
        }
        if (*v && (**v != std::floor(**v) || **v < lo || **v > hi)) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("risk: {} must be an integer in [{}, {}]", key, lo, hi));
        }
        return v;
    };
    auto orders = integer("max_open_orders", 1, 1e6);
    auto period = integer("atr_period", 1, 1000);
    auto cooldown = integer("cooldown_after_stop_s", 0, 365.0 * 86400);
    for (const auto* r : {&orders, &period, &cooldown}) {
        if (!*r) {
            return tl::unexpected(r->error());
        }
    }
    // From here each holds a (possibly empty) optional.
    if (*orders) {
        out.max_open_orders = static_cast<std::size_t>(**orders);
    }
    if (*period) {
        out.atr_period = static_cast<int>(**period);
    }
    if (*cooldown) {
        out.cooldown_after_stop = Duration::from_seconds(static_cast<std::int64_t>(**cooldown));
    }
    if (auto s = risk::validate(out); !s) {
        return make_error(ErrorCode::kInvalidArgument, fmt::format("risk: {}", s.error().message));
    }
    return out;
}

}  // namespace

std::string risk_limits_json(const risk::RiskLimits& limits) {
    return limits_to_json(limits).dump();
}

Result<risk::RiskLimits> parse_risk_limits_json(std::string_view text) {
    try {
        return limits_from_json(Json::parse(text));
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kInvalidArgument, fmt::format("risk: bad JSON: {}", e.what()));
    }
}

std::string SessionCommand::to_json() const {
    Json j;
    j["kind"] = std::string(to_string(kind));
    if (symbol) {
        j["symbol"] = symbol->to_string();
    }
    if (kind == Kind::kClosePosition) {
        j["fraction"] = fraction;
    }
    if (risk) {
        j["risk"] = limits_to_json(*risk);
    }
    j["reason"] = reason;
    return j.dump();
}

Result<SessionCommand> SessionCommand::from_json(std::string_view text) {
    try {
        const auto j = Json::parse(text);
        SessionCommand c;
        const auto kind = j.at("kind").get<std::string>();
        bool known = false;
        for (const auto k :
             {Kind::kPauseEntries,
              Kind::kResumeEntries,
              Kind::kClosePosition,
              Kind::kEmergencyStop,
              Kind::kSetRisk}) {
            if (to_string(k) == kind) {
                c.kind = k;
                known = true;
            }
        }
        if (!known) {
            return make_error(ErrorCode::kParse, fmt::format("command: unknown kind '{}'", kind));
        }
        if (j.contains("symbol")) {
            auto s = Symbol::parse(j.at("symbol").get<std::string>());
            if (!s) {
                return make_error(ErrorCode::kParse, "command: bad symbol");
            }
            c.symbol = *s;
        }
        if (j.contains("fraction")) {
            c.fraction = j.at("fraction").get<double>();
        }
        if (j.contains("risk")) {
            auto r = limits_from_json(j.at("risk"));
            if (!r) {
                return tl::unexpected(r.error());
            }
            c.risk = *r;
        }
        c.reason = j.value("reason", std::string());
        if (c.kind == Kind::kClosePosition &&
            (!c.symbol || !(c.fraction > 0.0 && c.fraction <= 1.0))) {
            return make_error(
                ErrorCode::kInvalidArgument,
                "close_position needs a symbol and a fraction in (0, 1]");
        }
        if (c.kind == Kind::kSetRisk && !c.risk) {
            return make_error(ErrorCode::kInvalidArgument, "set_risk needs risk limits");
        }
        return c;
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, fmt::format("command: {}", e.what()));
    }
}

std::string apply_command(engine::TradingEngine& engine, const SessionCommand& c) {
    switch (c.kind) {
        case SessionCommand::Kind::kPauseEntries:
            engine.set_entries_paused(true);
            return "entries paused";
        case SessionCommand::Kind::kResumeEntries:
            engine.set_entries_paused(false);
            return "entries resumed";
        case SessionCommand::Kind::kClosePosition: {
            const bool sent = engine.close_position(
                *c.symbol, c.fraction, fmt::format("closed by the operator: {}", c.reason));
            return sent ? fmt::format("closing {:.0f}% of {}", c.fraction * 100, *c.symbol)
                        : fmt::format("nothing to close in {}", *c.symbol);
        }
        case SessionCommand::Kind::kEmergencyStop:
            engine.emergency_stop(c.reason.empty() ? std::string("operator") : c.reason);
            return "emergency stop: orders canceled, positions closing, entries halted";
        case SessionCommand::Kind::kSetRisk:
            engine.set_risk_limits(*c.risk);
            return "risk limits changed";
    }
    return "unknown command";
}

}  // namespace ats::runtime
