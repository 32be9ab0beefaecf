#include "ats/risk/risk_manager.hpp"

#include <algorithm>
#include <cmath>

namespace ats::risk {
namespace {

Price price_of(double v, Round mode) {
    auto p = Price::from_double(std::max(v, 1e-8), mode);
    return p ? *p : Price::from_raw(1);
}

}  // namespace

Status validate(const RiskLimits& l) {
    const auto bad = [](std::string_view key, std::string_view range, double got) {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("{} must be in {}, got {}", key, range, got));
    };
    const auto check = [&](std::string_view key,
                           const std::optional<double>& v,
                           double lo,
                           double hi,
                           std::string_view range) -> Status {
        if (v && !(std::isfinite(*v) && *v > lo && *v <= hi)) {
            return bad(key, range, *v);
        }
        return ok_status();
    };
    for (const auto& s :
         {check("max_gross_exposure", l.max_gross_exposure, 0, 1000, "(0, 1000]"),
          check("max_daily_loss_pct", l.max_daily_loss_pct, 0, 1, "(0, 1]"),
          check("max_drawdown_pct", l.max_drawdown_pct, 0, 1, "(0, 1]"),
          check("stop_loss_atr", l.stop_loss_atr, 0, 100, "(0, 100]"),
          check("take_profit_atr", l.take_profit_atr, 0, 1000, "(0, 1000]"),
          check("trailing_stop_atr", l.trailing_stop_atr, 0, 100, "(0, 100]"),
          check("trailing_stop_pct", l.trailing_stop_pct, 0, 0.99, "(0, 0.99]")}) {
        if (!s) {
            return s;
        }
    }
    if (l.max_position_qty && !l.max_position_qty->is_positive()) {
        return bad("max_position_qty", "(0, 1e18]", l.max_position_qty->to_double());
    }
    if (l.max_position_notional && !l.max_position_notional->is_positive()) {
        return bad("max_position_notional", "(0, 1e18]", l.max_position_notional->to_double());
    }
    if (l.max_open_orders < 1 || l.max_open_orders > 1'000'000) {
        return bad("max_open_orders", "[1, 1000000]", static_cast<double>(l.max_open_orders));
    }
    if (l.atr_period < 1 || l.atr_period > 1000) {
        return bad("atr_period", "[1, 1000]", l.atr_period);
    }
    if (l.cooldown_after_stop && l.cooldown_after_stop->ns() < 0) {
        return bad("cooldown_after_stop", "a non-negative duration", 0);
    }
    return ok_status();
}

RiskManager::RiskManager(RiskLimits limits)
    : limits_(limits),
      needs_atr_(limits.stop_loss_atr || limits.take_profit_atr || limits.trailing_stop_atr) {}

RiskManager::SymbolState& RiskManager::state(const Symbol& symbol) {
    for (auto& s : states_) {
        if (s.symbol == symbol) {
            return s;
        }
    }
    states_.push_back(
        SymbolState{symbol, indicators::Atr(limits_.atr_period), std::nullopt, std::nullopt});
    return states_.back();
}

const RiskManager::SymbolState* RiskManager::find(const Symbol& symbol) const {
    const auto it = std::find_if(
        states_.begin(), states_.end(), [&](const auto& s) { return s.symbol == symbol; });
    return it == states_.end() ? nullptr : &*it;
}

RiskState RiskManager::state() const {
    RiskState out;
    out.halted = halted_;
    out.halt_reason = halt_reason_;
    out.day_halted = day_halted_;
    out.day = day_;
    out.day_start_equity = day_start_equity_;
    out.equity_high_water_mark = peak_;
    for (const auto& s : states_) {
        if (s.cooldown_until) {
            out.cooldowns.emplace_back(s.symbol, *s.cooldown_until);
        }
    }
    return out;
}

std::optional<double> RiskManager::atr(const Symbol& symbol) const {
    const SymbolState* s = find(symbol);
    if (s == nullptr || !s->atr.ready()) {
        return std::nullopt;
    }
    return s->atr.value();
}

std::optional<std::string> RiskManager::check(
    const model::RiskCheck& check, const AccountView& account, Timestamp now) const {
    const auto& r = check.request;
    if (r.reduce_only) {
        return std::nullopt;  // exits are always allowed
    }
    if (halted_) {
        return fmt::format("halted: {}", halt_reason_);
    }
    if (day_halted_) {
        return fmt::format(
            "max_daily_loss_pct {}% reached: entries halted until the next UTC day",
            *limits_.max_daily_loss_pct * 100);
    }
    if (const SymbolState* s = find(r.symbol);
        s != nullptr && s->cooldown_until && now < *s->cooldown_until) {
        return fmt::format(
            "cooldown_after_stop: {} blocked until {}", r.symbol, *s->cooldown_until);
    }
    if (account.open_orders >= limits_.max_open_orders) {
        return fmt::format("max_open_orders {} reached", limits_.max_open_orders);
    }
    // The order's size: its quantity, or for all-in orders the budget at the reference price.
    Money order_value;
    Qty order_qty = r.qty;
    if (check.quote_budget) {
        order_value = *check.quote_budget;
        if (account.reference_price.is_positive()) {
            order_qty = quantity_for(order_value, account.reference_price, Round::kTowardZero)
                            .value_or(Qty::max());
        }
    } else {
        auto v = notional(account.reference_price, r.qty, Round::kHalfEven);
        order_value = v ? *v : Money::max();
    }
    const Qty after = (account.position + order_qty * sign(r.side)).abs();
    if (limits_.max_position_qty && after > *limits_.max_position_qty) {
        return fmt::format(
            "max_position_qty: {} {} after the order exceeds {}",
            r.symbol,
            after,
            *limits_.max_position_qty);
    }
    if (limits_.max_position_notional) {
        auto value = notional(account.reference_price, after, Round::kHalfEven);
        if (!value || *value > *limits_.max_position_notional) {
            return fmt::format(
                "max_position_notional: {} position worth {} after the order exceeds {}",
                r.symbol,
                value ? value->to_string() : std::string("overflow"),
                *limits_.max_position_notional);
        }
    }
    if (limits_.max_gross_exposure) {
        const double gross = (account.gross_exposure + order_value).to_double();
        const double equity = account.equity.to_double();
        if (equity <= 0 || gross / equity > *limits_.max_gross_exposure + 1e-12) {
            return fmt::format(
                "max_gross_exposure: {:.4f}x of equity after the order exceeds {}x",
                equity > 0 ? gross / equity : INFINITY,
                *limits_.max_gross_exposure);
        }
    }
    return std::nullopt;
}

void RiskManager::set_limits(const RiskLimits& limits) {
    const bool new_period = limits.atr_period != limits_.atr_period;
    limits_ = limits;
    needs_atr_ =
        needs_atr_ || limits.stop_loss_atr || limits.take_profit_atr || limits.trailing_stop_atr;
    if (new_period) {
        for (auto& s : states_) {
            s.atr = indicators::Atr(limits_.atr_period);
        }
    }
    if (!limits_.max_daily_loss_pct) {
        day_halted_ = false;
    }
}

void RiskManager::start(Money equity) {
    if (!last_equity_) {
        last_equity_ = equity;
    }
}

void RiskManager::on_warmup_bar(const Symbol& symbol, const model::Bar& bar) {
    if (needs_atr_) {
        state(symbol).atr.update(bar);
    }
}

void RiskManager::restore(const RiskState& saved) {
    if (saved.halted && !halted_) {
        halted_ = true;
        halt_reason_ = saved.halt_reason;
    }
    if (saved.day && (!day_ || *saved.day >= *day_)) {
        if (!day_ || *saved.day > *day_) {
            day_ = saved.day;
            day_start_equity_ = saved.day_start_equity;
            day_halted_ = saved.day_halted;
        } else {
            day_halted_ = day_halted_ || saved.day_halted;
        }
    }
    if (saved.equity_high_water_mark && (!peak_ || *saved.equity_high_water_mark > *peak_)) {
        peak_ = saved.equity_high_water_mark;
    }
    for (const auto& [symbol, until] : saved.cooldowns) {
        auto& s = state(symbol);
        if (!s.cooldown_until || until > *s.cooldown_until) {
            s.cooldown_until = until;
        }
    }
}

std::optional<model::AlertLogged> RiskManager::on_bar(
    const Symbol& symbol, const model::Bar& bar, Money equity, Timestamp now) {
    if (needs_atr_) {
        state(symbol).atr.update(bar);
    }
    const std::int64_t day = now.floor(Duration::from_days(1)).unix_seconds() / 86400;
    if (!day_ || *day_ != day) {
        // The day's reference is the equity before the boundary: the previous close's.
        day_ = day;
        day_start_equity_ = last_equity_.value_or(equity);
        day_halted_ = false;
    }
    last_equity_ = equity;
    if (!peak_ || equity > *peak_) {
        peak_ = equity;
    }
    if (limits_.max_drawdown_pct && !halted_ && peak_->is_positive()) {
        const double dd = 1.0 - equity.to_double() / peak_->to_double();
        if (dd >= *limits_.max_drawdown_pct) {
            halted_ = true;
            halt_reason_ = fmt::format(
                "max_drawdown_pct kill switch: drawdown {:.2f}% from peak {} reached the {:.2f}% "
                "limit",
                dd * 100,
                *peak_,
                *limits_.max_drawdown_pct * 100);
            return model::AlertLogged{
                now, now, model::AlertLevel::kCritical, model::Text(halt_reason_)};
        }
    }
    if (limits_.max_daily_loss_pct && !day_halted_ && day_start_equity_.is_positive()) {
        const double loss = 1.0 - equity.to_double() / day_start_equity_.to_double();
        if (loss >= *limits_.max_daily_loss_pct) {
            day_halted_ = true;
            return model::AlertLogged{
                now,
                now,
                model::AlertLevel::kWarning,
                model::Text(fmt::format(
                    "max_daily_loss_pct: down {:.2f}% today, entries halted until the next UTC day",
                    loss * 100))};
        }
    }
    return std::nullopt;
}

ProtectiveLevels RiskManager::on_entry(const Symbol& symbol, Side side, Price entry) {
    SymbolState& s = state(symbol);
    ProtectiveLevels out;
    const double e = entry.to_double();
    const double dir = side == Side::kBuy ? 1.0 : -1.0;
    const auto a = atr(symbol);
    if (limits_.stop_loss_atr && a) {
        out.stop = price_of(
            e - dir * *limits_.stop_loss_atr * *a, side == Side::kBuy ? Round::kDown : Round::kUp);
    }
    if (limits_.trailing_stop_atr && a) {
        const Price t = price_of(
            e - dir * *limits_.trailing_stop_atr * *a,
            side == Side::kBuy ? Round::kDown : Round::kUp);
        out.stop =
            !out.stop ? t : (side == Side::kBuy ? std::max(*out.stop, t) : std::min(*out.stop, t));
    }
    if (limits_.trailing_stop_pct) {
        const Price t = price_of(
            e * (1 - dir * *limits_.trailing_stop_pct),
            side == Side::kBuy ? Round::kDown : Round::kUp);
        out.stop =
            !out.stop ? t : (side == Side::kBuy ? std::max(*out.stop, t) : std::min(*out.stop, t));
    }
    if (limits_.take_profit_atr && a) {
        out.target = price_of(
            e + dir * *limits_.take_profit_atr * *a,
            side == Side::kBuy ? Round::kUp : Round::kDown);
    }
    s.stop = out.stop;
    return out;
}

std::optional<Price> RiskManager::trail(const Symbol& symbol, Side side, Price close, Price tick) {
    SymbolState& s = state(symbol);
    if (!s.stop || (!limits_.trailing_stop_atr && !limits_.trailing_stop_pct)) {
        return std::nullopt;
    }
    const double c = close.to_double();
    const double dir = side == Side::kBuy ? 1.0 : -1.0;
    const Round mode = side == Side::kBuy ? Round::kDown : Round::kUp;
    std::optional<Price> candidate;
    const auto a = atr(symbol);
    if (limits_.trailing_stop_atr && a) {
        candidate = price_of(c - dir * *limits_.trailing_stop_atr * *a, mode);
    }
    if (limits_.trailing_stop_pct) {
        const Price t = price_of(c * (1 - dir * *limits_.trailing_stop_pct), mode);
        candidate = !candidate
                        ? t
                        : (side == Side::kBuy ? std::max(*candidate, t) : std::min(*candidate, t));
    }
    if (!candidate) {
        return std::nullopt;
    }
    const Price rounded = candidate->round_to(tick, mode);
    const bool better = side == Side::kBuy ? rounded >= *s.stop + tick : rounded <= *s.stop - tick;
    if (!better) {
        return std::nullopt;
    }
    s.stop = rounded;
    return rounded;
}

void RiskManager::on_exit(const Symbol& symbol, bool by_stop, Timestamp now) {
    SymbolState& s = state(symbol);
    s.stop.reset();
    if (by_stop && limits_.cooldown_after_stop) {
        s.cooldown_until = now + *limits_.cooldown_after_stop;
    }
}

void RiskManager::emergency_stop(std::string reason) {
    halted_ = true;
    halt_reason_ = fmt::format("emergency stop: {}", reason);
}

}  // namespace ats::risk
