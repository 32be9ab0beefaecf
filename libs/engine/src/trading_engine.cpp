#include "ats/engine/trading_engine.hpp"

#include <algorithm>

namespace ats::engine {

using model::Direction;
using model::OrderPurpose;

TradingEngine::TradingEngine(EngineConfig config, const Clock& clock, strategy::Strategy& strategy)
    : config_(std::move(config)),
      clock_(clock),
      strategy_(strategy),
      portfolio_(config_.initial_cash),
      orders_(clock, bus_, config_.order_id_prefix, config_.retry),
      risk_(config_.risk) {
    if (config_.sizing.mode == execution::Sizing::Mode::kVolTarget) {
        risk_.require_atr();
    }
    risk_.start(config_.initial_cash);
}

void TradingEngine::add_instrument(const model::Instrument& instrument) {
    orders_.add_instrument(instrument);
    portfolio_.set_lot_rules(
        instrument.symbol, instrument.step_size, instrument.min_qty, instrument.min_notional);
}

void TradingEngine::drain_pending() {
    orders_.on_timer();
    bus_.drain([this](const model::Event& e) { dispatch(e); });
    // Positions that grew or flipped get their protection once every fill queued with them is
    // in: an order filled in several parts (a market order walking the book) is protected for
    // its whole quantity, by one stop and target, not one per part.
    while (!reprotect_.empty()) {
        for (const auto& symbol : std::exchange(reprotect_, {})) {
            const Qty qty = tradable_position(symbol);
            const execution::Position* p = portfolio_.position(symbol);
            if (qty.is_zero() || p == nullptr) {
                continue;
            }
            cancel_protective(symbol);
            place_protective(
                symbol, qty.is_positive() ? Side::kBuy : Side::kSell, p->average_entry());
        }
        bus_.drain([this](const model::Event& e) { dispatch(e); });
    }
}

void TradingEngine::signal(
    const Symbol& symbol,
    Direction direction,
    double strength,
    double confidence,
    std::string_view reason) {
    if (!trading_enabled_) {
        return;
    }
    const Timestamp now = clock_.now();
    bus_.emit(model::SignalGenerated{
        now, now, symbol, direction, strength, confidence, model::Text(reason)});
}

Price TradingEngine::last_close(const Symbol& symbol) const {
    const auto it = std::find_if(
        last_bars_.begin(), last_bars_.end(), [&](const auto& b) { return b.symbol == symbol; });
    return it == last_bars_.end() ? Price{} : it->close;
}

Qty TradingEngine::tradable_position(const Symbol& symbol) const {
    const Qty pos = portfolio_.position_qty(symbol);
    if (pos.is_zero()) {
        return pos;  // the common case, asked by strategies on every bar
    }
    const model::Instrument* inst = orders_.instrument(symbol);
    if (inst == nullptr) {
        return pos;
    }
    const Qty held = inst->round_qty(pos.abs(), Round::kTowardZero);
    if (held.is_zero() || held < inst->min_qty) {
        return Qty{};
    }
    if (const Price close = last_close(symbol); close.is_positive()) {
        const auto value = notional(close, held, Round::kHalfEven);
        if (value && *value < inst->min_notional) {
            return Qty{};
        }
    }
    return pos.is_negative() ? -held : held;
}

TradingEngine::Protective& TradingEngine::protective(const Symbol& symbol) {
    for (auto& p : protective_) {
        if (p.symbol == symbol) {
            return p;
        }
    }
    protective_.push_back(
        Protective{symbol, std::nullopt, std::nullopt, Side::kBuy, 0, std::nullopt, std::nullopt});
    return protective_.back();
}

void TradingEngine::mark_close(const Symbol& symbol, const model::Bar& bar) {
    auto it = std::find_if(
        last_bars_.begin(), last_bars_.end(), [&](const auto& b) { return b.symbol == symbol; });
    if (it == last_bars_.end()) {
        last_bars_.push_back(LastBar{symbol, bar.close});
    } else {
        it->close = bar.close;
    }
    portfolio_.mark(symbol, bar.close);
}

void TradingEngine::on_bar_closed(const Symbol& symbol, const model::Bar& bar) {
    mark_close(symbol, bar);
    on_marked_bar_closed(symbol, bar);
}

void TradingEngine::on_marked_bar_closed(const Symbol& symbol, const model::Bar& bar) {
    const Timestamp now = clock_.now();
    if (!trading_enabled_) {
        // Warm-up (history before trading, or after a restart): indicators learn, nothing is
        // judged or sent. Equity marked on old bars must not fire a kill switch or move a stop.
        risk_.on_warmup_bar(symbol, bar);
        process_pending();
        bus_.record_direct(0, [&] {
            return model::Event(model::MarketData{bar.close_time, now, symbol, bar});
        });
        strategy_.on_bar(symbol, bar, *this);  // its signals are dropped while trading is off
        process_pending();
        return;
    }
    const bool was_halted = risk_.halted();
    if (auto alert = risk_.on_bar(symbol, bar, portfolio_.equity(), now)) {
        bus_.emit(*alert);
        if (risk_.halted() && !was_halted) {
            flatten_all(risk_.halt_reason());
        }
    }
    const Qty pos = tradable_position(symbol);
    if (!pos.is_zero()) {
        const Side side = pos.is_positive() ? Side::kBuy : Side::kSell;
        const model::Instrument* inst = orders_.instrument(symbol);
        if (inst != nullptr) {
            if (auto stop = risk_.trail(symbol, side, bar.close, inst->tick_size)) {
                // The stop and its target are one OCO pair (one order list on an exchange, where
                // canceling a leg cancels both): the trailed stop replaces the pair, the target
                // at its price.
                Protective& p = protective(symbol);
                std::optional<Price> target;
                if (p.target) {
                    if (const auto* order = orders_.order(*p.target)) {
                        target = order->request().trigger_price;
                    }
                }
                cancel_protective(symbol);
                emit_protective(symbol, side, pos.abs(), *stop, target, "trailing stop");
            }
        }
    }
    // Whatever risk raised above goes first; then MarketData goes straight to the strategy (it
    // is its only consumer), still counted and journaled as an event.
    process_pending();
    bus_.record_direct(0, [&] {
        return model::Event(model::MarketData{bar.close_time, now, symbol, bar});
    });
    strategy_.on_bar(symbol, bar, *this);
    process_pending();
}

void TradingEngine::dispatch(const model::Event& event) {
    const Timestamp now = clock_.now();
    switch (event.index()) {
        case 0: {
            const auto& e = std::get<model::MarketData>(event);
            strategy_.on_bar(e.symbol, e.bar, *this);
            break;
        }
        case 1:
            ++signals_;
            on_signal(std::get<model::SignalGenerated>(event));
            break;
        case 2:
            on_risk_check(std::get<model::RiskCheck>(event));
            break;
        case 3: {
            const auto& a = std::get<model::OrderApproved>(event);
            if (!trading_enabled_ && !(emergency_ && a.request.reduce_only)) {
                // Nothing leaves during warm-up, whatever raised it; only an explicit emergency
                // stop may close positions then.
                bus_.emit(model::AlertLogged{
                    now,
                    now,
                    model::AlertLevel::kCritical,
                    model::Text(fmt::format(
                        "{} order for {} refused: trading is off (warm-up)",
                        model::to_string(a.purpose),
                        a.request.symbol))});
                break;
            }
            const bool guard =
                a.purpose == OrderPurpose::kStopLoss || a.purpose == OrderPurpose::kTakeProfit;
            if (guard && a.request.reduce_only && tradable_position(a.request.symbol).is_zero()) {
                // The position it was to protect closed meanwhile (a leg that executed on the
                // exchange, read while the old protection was canceled): nothing to protect.
                break;
            }
            const auto id = orders_.place(a);
            if (!id) {
                break;
            }
            if (a.purpose == OrderPurpose::kStopLoss) {
                protective(a.request.symbol).stop = *id;
            } else if (a.purpose == OrderPurpose::kTakeProfit) {
                protective(a.request.symbol).target = *id;
            }
            break;
        }
        case 4: {
            const auto& r = std::get<model::SignalRejected>(event);
            ++rejections_;
            bus_.emit(model::AlertLogged{
                r.ts_event,
                now,
                model::AlertLevel::kWarning,
                model::Text(fmt::format("signal for {} rejected: {}", r.symbol, r.reason.view()))});
            break;
        }
        case 5:
            break;  // OrderPlaced: recorded by the journal
        case 6: {
            const auto& r = std::get<model::OrderRejected>(event);
            orders_.on_rejected(r);
            forget_protective(r.symbol, r.order_id);
            break;
        }
        case 7: {
            const auto& c = std::get<model::OrderCanceled>(event);
            orders_.on_canceled(c);
            forget_protective(c.symbol, c.order_id);
            break;
        }
        case 8:
            on_fill(std::get<model::OrderFilled>(event));
            break;
        case 9:
        case 10:
            break;  // PositionUpdated, StateSaved: recorded by the journal
        case 11: {
            const auto& a = std::get<model::AlertLogged>(event);
            if (alerts_.size() < 10'000) {
                alerts_.push_back(a);
            }
            if (notifier_ != nullptr) {
                notifier_->notify(a);
            }
            break;
        }
        default:
            break;
    }
}

void TradingEngine::on_signal(const model::SignalGenerated& s) {
    const Timestamp now = clock_.now();
    const Qty pos = tradable_position(s.symbol);
    Direction want = s.direction;
    if (want == Direction::kShort && !config_.allow_short) {
        want = Direction::kFlat;
    }
    const bool exit = (pos.is_positive() && want != Direction::kLong) ||
                      (pos.is_negative() && want != Direction::kShort);
    if (exit) {
        request_exit(s.symbol, s.reason.view());
    }
    const bool entry = (want == Direction::kLong && !pos.is_positive()) ||
                       (want == Direction::kShort && !pos.is_negative());
    if (!entry || orders_.entry_working(s.symbol)) {
        return;
    }
    if (entries_paused_) {
        bus_.emit(model::SignalRejected{
            now, now, s.symbol, model::Text("entries paused by the operator")});
        return;
    }
    const Side side = want == Direction::kLong ? Side::kBuy : Side::kSell;
    execution::SizingInputs in;
    in.equity = portfolio_.equity();
    in.cash = portfolio_.cash();
    in.price = last_close(s.symbol);
    in.atr = risk_.atr(s.symbol);
    in.stop_atr = config_.risk.stop_loss_atr.value_or(2.0);
    const auto& trades = portfolio_.closed_trades();
    in.closed_trades = static_cast<int>(trades.size());
    // Win statistics only matter to Kelly sizing (and cost a pass over the trades).
    if (config_.sizing.mode == execution::Sizing::Mode::kKelly && !trades.empty()) {
        double wins = 0;
        double win_sum = 0;
        double loss_sum = 0;
        for (const auto& t : trades) {
            const double pnl = t.pnl_net().to_double();
            if (pnl > 0) {
                ++wins;
                win_sum += pnl;
            } else {
                loss_sum -= pnl;
            }
        }
        const double losses = static_cast<double>(trades.size()) - wins;
        in.win_rate = wins / static_cast<double>(trades.size());
        in.payoff_ratio =
            (wins > 0 && losses > 0 && loss_sum > 0) ? (win_sum / wins) / (loss_sum / losses) : 0;
    }
    auto sized = execution::size_entry(config_.sizing, in);
    if (!sized) {
        bus_.emit(model::SignalRejected{now, now, s.symbol, model::Text(sized.error().message)});
        return;
    }
    if (!sized->quote_budget && !sized->qty.is_positive()) {
        bus_.emit(model::SignalRejected{
            now,
            now,
            s.symbol,
            model::Text(fmt::format("sizing {} gives no quantity", config_.sizing.to_string()))});
        return;
    }
    if (sized->quote_budget && side == Side::kSell) {
        bus_.emit(model::SignalRejected{
            now, now, s.symbol, model::Text("all_in sizing cannot open shorts")});
        return;
    }
    model::OrderRequest r{
        s.symbol,
        side,
        model::OrderType::kMarket,
        sized->qty,
        std::nullopt,
        std::nullopt,
        false,
        0};
    bus_.emit(model::RiskCheck{now, now, r, sized->quote_budget, OrderPurpose::kEntry, s.reason});
}

void TradingEngine::on_risk_check(const model::RiskCheck& c) {
    const Timestamp now = clock_.now();
    risk::AccountView view;
    view.equity = portfolio_.equity();
    view.reference_price = last_close(c.request.symbol);
    view.open_orders = orders_.open_order_count();
    view.gross_exposure = portfolio_.gross_exposure();
    // Judge the position the order leads to. Exits on their way count as done; an entry against
    // the current position is a flip, which the engine only places behind the exit of the old
    // position (requested just before it), so the new position is the entry's own size.
    const Qty held = tradable_position(c.request.symbol);
    const bool flip = !c.request.reduce_only && !held.is_zero() &&
                      held.is_positive() != (c.request.side == Side::kBuy);
    if (flip) {
        view.position = Qty{};
        if (const execution::Position* p = portfolio_.position(c.request.symbol)) {
            view.gross_exposure -= std::min(view.gross_exposure, p->market_value().abs());
        }
    } else {
        view.position =
            portfolio_.position_qty(c.request.symbol) + orders_.pending_exit_qty(c.request.symbol);
    }
    if (auto reason = risk_.check(c, view, now)) {
        bus_.emit(model::SignalRejected{now, now, c.request.symbol, model::Text(*reason)});
        return;
    }
    bus_.emit(model::OrderApproved{now, now, c.request, c.quote_budget, c.purpose, c.reason});
}

Status TradingEngine::restore_fill(const model::Fill& fill) {
    if (auto s = portfolio_.apply_fill(fill); !s) {
        return s;
    }
    fills_.push_back(fill);
    return ok_status();
}

Status TradingEngine::adopt_protective(const model::Order& order) {
    const auto& r = order.request();
    const bool target = r.type == model::OrderType::kTakeProfit;
    if (!target && r.type != model::OrderType::kStopMarket &&
        r.type != model::OrderType::kStopLimit) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("order {} is not a stop or a take profit", order.id().str()));
    }
    if (auto s = orders_.adopt(order); !s) {
        return s;
    }
    Protective& p = protective(r.symbol);
    (target ? p.target : p.stop) = order.id();
    (target ? p.target_price : p.stop_price) = r.trigger_price;
    p.group = r.oco_group;
    next_oco_group_ = std::max(next_oco_group_, r.oco_group + 1);
    return ok_status();
}

void TradingEngine::protect_open_positions() {
    // Adopted protection: kept when each leg covers the whole position from the right side.
    for (auto& p : protective_) {
        const Qty qty = tradable_position(p.symbol);
        bool covers = !qty.is_zero() && (p.stop || p.target);
        for (const auto& id : {p.stop, p.target}) {
            const model::Order* order = id ? orders_.order(*id) : nullptr;
            if (id && (order == nullptr || order->remaining_qty() != qty.abs() ||
                       order->request().side == (qty.is_positive() ? Side::kBuy : Side::kSell))) {
                covers = false;
            }
        }
        if (!covers && (p.stop || p.target)) {
            cancel_protective(p.symbol);
        }
    }
    process_pending();
    for (const auto& p : portfolio_.positions()) {
        const Qty qty = tradable_position(p.symbol);
        const Protective& guard = protective(p.symbol);
        if (qty.is_zero() || guard.stop || guard.target) {
            continue;
        }
        place_protective(p.symbol, qty.is_positive() ? Side::kBuy : Side::kSell, p.average_entry());
    }
    process_pending();
}

void TradingEngine::on_fill(const model::OrderFilled& f) {
    const Timestamp now = clock_.now();
    const auto& fill = f.fill;
    orders_.on_fill(f);
    const Qty before = tradable_position(fill.symbol);
    if (auto s = portfolio_.apply_fill(fill); !s) {
        bus_.emit(model::AlertLogged{
            now, now, model::AlertLevel::kCritical, model::Text(s.error().message)});
        return;
    }
    fills_.push_back(fill);
    const execution::Position* p = portfolio_.position(fill.symbol);
    bus_.emit(model::PositionUpdated{
        fill.ts, now, fill.symbol, p->total(), p->average_entry(), p->realized_pnl});
    const Qty after = tradable_position(fill.symbol);
    strategy_.on_fill(fill, *this);
    const bool closed = after.is_zero() && !before.is_zero();
    const bool flipped =
        !before.is_zero() && !after.is_zero() && before.is_positive() != after.is_positive();
    const bool grew = after.abs() > before.abs();
    if (closed || flipped) {
        const bool by_stop = protective(fill.symbol).stop == fill.order_id;
        risk_.on_exit(fill.symbol, by_stop, now);
        cancel_protective(fill.symbol);
    }
    if ((grew || flipped) && !after.is_zero()) {
        if (std::find(reprotect_.begin(), reprotect_.end(), fill.symbol) == reprotect_.end()) {
            reprotect_.push_back(fill.symbol);  // protected once the queue is drained
        }
    } else if (const Protective& guard = protective(fill.symbol);
               !after.is_zero() && !closed && !guard.stop && !guard.target &&
               (guard.stop_price || guard.target_price)) {
        // A partial exit that ended the protection (an exchange cancels it to free the coins
        // for the exit): the rest is protected again at the same levels.
        emit_protective(
            fill.symbol,
            after.is_positive() ? Side::kBuy : Side::kSell,
            after.abs(),
            guard.stop_price,
            guard.target_price,
            "stop loss (rest of the position)");
    }
}

void TradingEngine::place_protective(const Symbol& symbol, Side side, Price entry) {
    const auto levels = risk_.on_entry(symbol, side, entry);
    if (!levels.stop && !levels.target) {
        return;
    }
    emit_protective(
        symbol, side, tradable_position(symbol).abs(), levels.stop, levels.target, "stop loss");
}

void TradingEngine::emit_protective(
    const Symbol& symbol,
    Side side,
    Qty qty,
    std::optional<Price> stop,
    std::optional<Price> target,
    std::string_view stop_why) {
    const Timestamp now = clock_.now();
    // A stop and a target are one OCO pair: one fill cancels the other.
    const std::uint32_t group = stop && target ? next_oco_group_++ : 0;
    Protective& p = protective(symbol);
    p.group = group;
    p.stop_price = stop;
    p.target_price = target;
    const auto place =
        [&](model::OrderType type, Price trigger, OrderPurpose purpose, std::string_view why) {
            const model::OrderRequest r{
                symbol, opposite(side), type, qty, std::nullopt, trigger, true, group};
            bus_.emit(model::OrderApproved{now, now, r, std::nullopt, purpose, model::Text(why)});
        };
    if (stop) {
        place(model::OrderType::kStopMarket, *stop, OrderPurpose::kStopLoss, stop_why);
    }
    if (target) {
        place(model::OrderType::kTakeProfit, *target, OrderPurpose::kTakeProfit, "take profit");
    }
}

void TradingEngine::forget_protective(const Symbol& symbol, const ClientOrderId& id) {
    Protective& p = protective(symbol);
    if (p.stop == id) {
        p.stop.reset();
    }
    if (p.target == id) {
        p.target.reset();
    }
}

void TradingEngine::cancel_protective(const Symbol& symbol) {
    Protective& p = protective(symbol);
    if (p.stop) {
        orders_.cancel(*p.stop, "position changed");
        p.stop.reset();
    }
    if (p.target) {
        orders_.cancel(*p.target, "position changed");
        p.target.reset();
    }
}

void TradingEngine::request_exit(const Symbol& symbol, std::string_view reason) {
    const Qty pos = tradable_position(symbol);
    if (pos.is_zero()) {
        return;
    }
    const Timestamp now = clock_.now();
    model::OrderRequest r{
        symbol,
        pos.is_positive() ? Side::kSell : Side::kBuy,
        model::OrderType::kMarket,
        pos.abs(),
        std::nullopt,
        std::nullopt,
        true,
        0};
    bus_.emit(
        model::RiskCheck{now, now, r, std::nullopt, OrderPurpose::kExit, model::Text(reason)});
}

void TradingEngine::flatten_all(std::string_view reason) {
    for (const auto& pos : portfolio_.positions()) {
        orders_.cancel_all(pos.symbol, reason);
        request_exit(pos.symbol, reason);
    }
}

bool TradingEngine::close_position(const Symbol& symbol, double fraction, std::string_view reason) {
    const Qty pos = tradable_position(symbol);
    if (pos.is_zero() || !(fraction > 0.0) || fraction > 1.0) {
        return false;
    }
    Qty qty = pos.abs();
    if (fraction < 1.0) {
        const model::Instrument* inst = orders_.instrument(symbol);
        auto part = Qty::from_double(qty.to_double() * fraction, Round::kDown);
        if (!part || inst == nullptr) {
            return false;
        }
        qty = inst->round_qty(std::min(*part, qty), Round::kTowardZero);
        if (!qty.is_positive()) {
            return false;
        }
    }
    const Timestamp now = clock_.now();
    const model::OrderRequest r{
        symbol,
        pos.is_positive() ? Side::kSell : Side::kBuy,
        model::OrderType::kMarket,
        qty,
        std::nullopt,
        std::nullopt,
        true,
        0};
    bus_.emit(
        model::RiskCheck{now, now, r, std::nullopt, OrderPurpose::kExit, model::Text(reason)});
    process_pending();
    return true;
}

void TradingEngine::set_risk_limits(const risk::RiskLimits& limits) {
    config_.risk = limits;
    risk_.set_limits(limits);
}

void TradingEngine::restore_risk(const risk::RiskState& saved) {
    risk_.restore(saved);
}

void TradingEngine::emergency_stop(const std::string& reason) {
    emergency_ = true;
    risk_.emergency_stop(reason);
    const Timestamp now = clock_.now();
    bus_.emit(model::AlertLogged{
        now, now, model::AlertLevel::kCritical, model::Text(risk_.halt_reason())});
    flatten_all(risk_.halt_reason());
    process_pending();
}

}  // namespace ats::engine
