#include "ats/server/session_host.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ats/engine/trading_engine.hpp"
#include "ats/runtime/session_setup.hpp"
#include "ats/server/hub.hpp"

namespace ats::server {

using Json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

constexpr std::size_t kMaxBars = 5000;    // per symbol, for the chart
constexpr std::size_t kMaxEquity = 4000;  // points; halved (every other kept) when full
constexpr std::size_t kMaxFills = 1000;
constexpr std::size_t kMaxAlerts = 300;
constexpr std::size_t kMaxTrades = 2000;
constexpr std::size_t kMaxSignals = 5000;  // strategy lines (e.g. the ML probability) per symbol
constexpr auto kFlushEvery = std::chrono::milliseconds(100);

Json order_json(const model::Order& o) {
    const auto& r = o.request();
    Json j{
        {"id", o.id().str()},
        {"symbol", r.symbol.to_string()},
        {"side", std::string(to_string(r.side))},
        {"type", std::string(model::to_string(r.type))},
        {"qty", r.qty.to_string()},
        {"filled", o.filled_qty().to_string()},
        {"status", std::string(model::to_string(o.status()))},
        {"reduce_only", r.reduce_only},
        {"created_ms", o.created().unix_ms()}};
    if (r.limit_price) {
        j["limit"] = r.limit_price->to_string();
    }
    if (r.trigger_price) {
        j["trigger"] = r.trigger_price->to_string();
    }
    return j;
}

}  // namespace

std::string SessionSpec::to_json() const {
    Json j{
        {"id", id},
        {"mode", mode},
        {"assets", assets},
        {"feed", feed},
        {"exchange", exchange},
        {"strategy", strategy},
        {"params", params},
        {"speed", speed},
        {"interval", interval},
        {"created_by", created_by},
        {"created_ms", created_ms},
        {"status", status}};
    if (config) {
        j["config"] = *config;
    }
    if (model) {
        j["model"] = *model;
    }
    if (risk_json) {
        j["risk"] = Json::parse(*risk_json);
    }
    if (!confirm.empty()) {
        j["confirm"] = confirm;
    }
    return j.dump();
}

Result<SessionSpec> SessionSpec::from_json(std::string_view text) {
    Json j;
    try {
        j = Json::parse(text);
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kInvalidArgument, fmt::format("bad JSON: {}", e.what()));
    }
    if (!j.is_object()) {
        return make_error(ErrorCode::kInvalidArgument, "expected a JSON object");
    }
    static const char* const kKeys[] = {
        "id",
        "mode",
        "assets",
        "feed",
        "exchange",
        "confirm",
        "strategy",
        "params",
        "speed",
        "interval",
        "config",
        "model",
        "risk",
        "created_by",
        "created_ms",
        "status"};
    for (const auto& [key, value] : j.items()) {
        if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
            return make_error(ErrorCode::kInvalidArgument, fmt::format("unknown field '{}'", key));
        }
    }
    SessionSpec s;
    try {
        const auto str = [&](const char* key, std::string& out) {
            if (j.contains(key)) {
                if (!j.at(key).is_string()) {
                    throw std::invalid_argument(fmt::format("'{}' must be a string", key));
                }
                out = j.at(key).get<std::string>();
            }
        };
        str("id", s.id);
        str("mode", s.mode);
        str("feed", s.feed);
        str("exchange", s.exchange);
        str("confirm", s.confirm);
        str("strategy", s.strategy);
        str("speed", s.speed);
        str("interval", s.interval);
        str("created_by", s.created_by);
        str("status", s.status);
        if (j.contains("assets")) {
            const auto& a = j.at("assets");
            if (a.is_string()) {
                s.assets = {a.get<std::string>()};
            } else if (a.is_array()) {
                for (const auto& item : a) {
                    if (!item.is_string()) {
                        throw std::invalid_argument("'assets' must be symbols");
                    }
                    s.assets.push_back(item.get<std::string>());
                }
            } else {
                throw std::invalid_argument("'assets' must be a symbol or a list of symbols");
            }
        }
        if (j.contains("params")) {
            const auto& p = j.at("params");
            if (!p.is_object()) {
                throw std::invalid_argument("'params' must be an object of numbers");
            }
            for (const auto& [key, value] : p.items()) {
                if (!value.is_number()) {
                    throw std::invalid_argument(fmt::format("'params.{}' must be a number", key));
                }
                s.params[key] = value.get<double>();
            }
        }
        if (j.contains("config")) {
            if (!j.at("config").is_string()) {
                throw std::invalid_argument("'config' must be TOML text");
            }
            s.config = j.at("config").get<std::string>();
        }
        if (j.contains("model")) {
            if (!j.at("model").is_string()) {
                throw std::invalid_argument("'model' must be a path");
            }
            s.model = j.at("model").get<std::string>();
        }
        if (j.contains("risk") && !j.at("risk").is_null()) {
            auto limits = runtime::parse_risk_limits_json(j.at("risk").dump());
            if (!limits) {
                throw std::invalid_argument(limits.error().message);
            }
            s.risk_json = j.at("risk").dump();
        }
        if (j.contains("created_ms")) {
            s.created_ms = j.at("created_ms").get<std::int64_t>();
        }
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kInvalidArgument, e.what());
    }
    if (s.mode != "paper" && s.mode != "live") {
        return make_error(ErrorCode::kInvalidArgument, "'mode' must be paper or live");
    }
    if (s.assets.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "'assets' must name at least one symbol");
    }
    for (const auto& a : s.assets) {
        if (auto sym = Symbol::parse(a); !sym) {
            return make_error(
                ErrorCode::kInvalidArgument, fmt::format("'assets': {}", sym.error().message));
        }
    }
    return s;
}

/// One running (or ended) session: its thread, its control and observer, and the view the API
/// and the WebSocket snapshots read.
struct SessionHost::Session final : public runtime::SessionControl, public model::EventObserver {
    struct BarRow {
        std::int64_t t = 0;
        double o = 0;
        double h = 0;
        double l = 0;
        double c = 0;
        double v = 0;
    };
    struct View {
        std::string status = "starting";
        std::string error;
        std::uint64_t bars = 0;
        bool replaying = false;
        std::int64_t time_ms = 0;
        std::int64_t updated_ms = 0;
        Json balances = Json::object();
        std::deque<std::pair<std::int64_t, double>> equity;
        std::size_t equity_stride = 1;  // keep every n-th point after decimation
        std::size_t equity_seen = 0;
        Json positions = Json::array();
        Json orders = Json::array();
        std::deque<Json> trades;
        std::size_t trades_seen = 0;
        std::deque<Json> fills;
        std::deque<Json> alerts;
        std::map<std::string, std::deque<BarRow>> bars_by_symbol;
        std::vector<std::string> plot_names;
        std::map<std::string, std::deque<std::vector<double>>> plots;  // [t, values...]
        bool entries_paused = false;
        bool halted = false;
        std::string halt_reason;
        Json risk = Json::object();
    };

    SessionSpec spec;
    Hub* hub = nullptr;
    model::Notifier* notifier = nullptr;
    std::atomic<bool> stop_flag{false};
    std::atomic<bool> wake_flag{false};
    std::thread thread;

    mutable std::mutex mu;  // guards view, queue, pending
    View view;
    std::vector<runtime::SessionCommand> queue;
    std::map<std::string, std::vector<BarRow>> pending_bars;  // since the last publication
    std::vector<std::pair<std::int64_t, double>> pending_equity;
    std::chrono::steady_clock::time_point last_flush{};

    // SessionControl (the session's thread)
    std::vector<runtime::SessionCommand> take_commands() override {
        const std::lock_guard lock(mu);
        wake_flag = stop_flag.load();  // a stop keeps the session awake until it ends
        std::vector<runtime::SessionCommand> out;
        out.swap(queue);
        return out;
    }
    const std::atomic<bool>& wake() const override { return wake_flag; }

    void on_step(const engine::TradingEngine& engine, const runtime::SessionStep& step) override {
        const auto now = std::chrono::steady_clock::now();
        const bool flush = step.last || now - last_flush >= kFlushEvery;
        Json status;
        Json positions;
        Json balances;
        Json orders;
        Json equity_points = Json::array();
        Json bars_update = Json::object();
        Json trades_update = Json::array();
        Json signals_update = Json::object();
        {
            const std::lock_guard lock(mu);
            View& v = view;
            v.bars = step.bars;
            v.replaying = step.replaying;
            v.time_ms = step.time.unix_ms();
            v.status = step.replaying ? "replaying" : "running";
            const auto& pf = engine.portfolio();
            const double equity = pf.equity().to_double();
            // Every step's equity is a candidate point; the series is decimated to stay bounded.
            if (v.equity_seen++ % v.equity_stride == 0) {
                v.equity.emplace_back(v.time_ms, equity);
                pending_equity.emplace_back(v.time_ms, equity);
                if (v.equity.size() > kMaxEquity) {
                    std::deque<std::pair<std::int64_t, double>> kept;
                    for (std::size_t i = 0; i < v.equity.size(); i += 2) {
                        kept.push_back(v.equity[i]);
                    }
                    v.equity.swap(kept);
                    v.equity_stride *= 2;
                }
            }
            if (!flush) {
                return;
            }
            last_flush = now;
            v.updated_ms = wall_ms();
            v.balances = {
                {"cash", pf.cash().to_string()},
                {"equity", pf.equity().to_string()},
                {"initial_cash", pf.initial_cash().to_string()},
                {"fees", pf.fees().to_string()},
                {"realized_pnl", pf.realized_pnl().to_string()},
                {"unrealized_pnl", pf.unrealized_pnl().to_string()},
                {"quote_asset", pf.quote_asset()}};
            positions = Json::array();
            for (const auto& p : pf.positions()) {
                if (p.total().is_zero()) {
                    continue;
                }
                positions.push_back(
                    {{"symbol", p.symbol.to_string()},
                     {"side", p.qty.is_negative() ? "short" : "long"},
                     {"qty", p.total().to_string()},
                     {"entry", p.average_entry().to_string()},
                     {"mark", p.mark ? p.mark->to_string() : std::string()},
                     {"unrealized_pnl", p.unrealized_pnl().to_string()},
                     {"realized_pnl", p.realized_pnl.to_string()},
                     {"dust", !p.dust.is_zero() && p.qty.is_zero()}});
            }
            v.positions = positions;
            orders = Json::array();
            for (const auto* o : engine.orders().working_orders()) {
                orders.push_back(order_json(*o));
            }
            v.orders = orders;
            const auto& closed = pf.closed_trades();
            for (std::size_t i = v.trades_seen; i < closed.size(); ++i) {
                const auto& t = closed[i];
                Json row{
                    {"symbol", t.symbol.to_string()},
                    {"side", t.side == Side::kBuy ? "long" : "short"},
                    {"entry_time_ms", t.entry_time.unix_ms()},
                    {"entry_price", t.entry_price.to_string()},
                    {"exit_time_ms", t.exit_time.unix_ms()},
                    {"exit_price", t.exit_price.to_string()},
                    {"quantity", t.qty.to_string()},
                    {"pnl_gross", t.pnl_gross.to_string()},
                    {"fees", t.fees.to_string()},
                    {"pnl_net", t.pnl_net().to_string()}};
                trades_update.push_back(row);
                v.trades.push_back(std::move(row));
                if (v.trades.size() > kMaxTrades) {
                    v.trades.pop_front();
                }
            }
            v.trades_seen = closed.size();
            const auto& risk = engine.risk();
            v.entries_paused = engine.entries_paused();
            v.halted = risk.halted();
            v.halt_reason = risk.halt_reason();
            v.risk = Json::parse(runtime::risk_limits_json(risk.limits()));
            // Strategy lines (indicators, the ML probability) at this step, per symbol.
            if (v.plot_names.empty()) {
                v.plot_names = engine.strategy().plot_names();
            }
            std::vector<double> row;
            for (const auto& a : spec.assets) {
                auto symbol = Symbol::parse(a);
                if (!symbol || v.plot_names.empty()) {
                    continue;
                }
                engine.strategy().plot_values(*symbol, row);
                std::vector<double> point{static_cast<double>(v.time_ms)};
                point.insert(point.end(), row.begin(), row.end());
                auto& series = v.plots[a];
                Json sig = Json::array();
                for (const double x : point) {
                    sig.push_back(std::isfinite(x) ? Json(x) : Json());
                }
                signals_update[a] = std::move(sig);
                series.push_back(std::move(point));
                if (series.size() > kMaxSignals) {
                    series.pop_front();
                }
            }
            status = status_json();
            balances = v.balances;
            for (const auto& [t, e] : pending_equity) {
                equity_points.push_back({t, e});
            }
            pending_equity.clear();
            for (auto& [symbol, rows] : pending_bars) {
                Json list = Json::array();
                for (const auto& b : rows) {
                    list.push_back({b.t, b.o, b.h, b.l, b.c, b.v});
                }
                bars_update[symbol] = std::move(list);
            }
            pending_bars.clear();
        }
        // Published outside the lock: the hub may call back for snapshots.
        hub->publish(spec.id, "status", status.dump());
        hub->publish(spec.id, "positions", positions.dump());
        hub->publish(spec.id, "orders", orders.dump());
        hub->publish(spec.id, "balances", balances.dump());
        if (!equity_points.empty()) {
            hub->publish(spec.id, "equity", equity_points.dump());
        }
        if (!bars_update.empty()) {
            hub->publish(spec.id, "bars", bars_update.dump());
        }
        if (!trades_update.empty()) {
            hub->publish(spec.id, "trades", trades_update.dump());
        }
        if (!signals_update.empty()) {
            hub->publish(
                spec.id,
                "signals",
                Json{{"names", view_plot_names()}, {"points", signals_update}}.dump());
        }
    }

    // EventObserver (the session's thread): discrete events go out at once.
    void on_event(const model::Event& event) override {
        std::string topic;
        Json data;
        {
            const std::lock_guard lock(mu);
            if (const auto* md = std::get_if<model::MarketData>(&event)) {
                const auto& b = md->bar;
                const BarRow row{
                    b.open_time.unix_ms(),
                    b.open.to_double(),
                    b.high.to_double(),
                    b.low.to_double(),
                    b.close.to_double(),
                    b.volume.to_double()};
                auto& bars = view.bars_by_symbol[md->symbol.to_string()];
                bars.push_back(row);
                if (bars.size() > kMaxBars) {
                    bars.pop_front();
                }
                pending_bars[md->symbol.to_string()].push_back(row);
                return;
            }
            if (const auto* f = std::get_if<model::OrderFilled>(&event)) {
                const auto& fill = f->fill;
                data = {
                    {"order_id", fill.order_id.str()},
                    {"symbol", fill.symbol.to_string()},
                    {"side", std::string(to_string(fill.side))},
                    {"qty", fill.qty.to_string()},
                    {"price", fill.price.to_string()},
                    {"fee", fill.fee.to_string()},
                    {"maker", fill.maker},
                    {"time_ms", fill.ts.unix_ms()}};
                view.fills.push_back(data);
                if (view.fills.size() > kMaxFills) {
                    view.fills.pop_front();
                }
                topic = "fills";
            } else if (const auto* a = std::get_if<model::AlertLogged>(&event)) {
                data = {
                    {"level", std::string(model::to_string(a->level))},
                    {"message", a->message.str()},
                    {"time_ms", a->ts_event.unix_ms()}};
                view.alerts.push_back(data);
                if (view.alerts.size() > kMaxAlerts) {
                    view.alerts.pop_front();
                }
                topic = "alerts";
            } else if (const auto* p = std::get_if<model::OrderPlaced>(&event)) {
                data = {
                    {"event", "placed"},
                    {"id", p->order_id.str()},
                    {"symbol", p->request.symbol.to_string()},
                    {"side", std::string(to_string(p->request.side))},
                    {"type", std::string(model::to_string(p->request.type))},
                    {"qty", p->request.qty.to_string()},
                    {"time_ms", p->ts_event.unix_ms()}};
                topic = "orders";
            } else if (const auto* c = std::get_if<model::OrderCanceled>(&event)) {
                data = {
                    {"event", "canceled"},
                    {"id", c->order_id.str()},
                    {"symbol", c->symbol.to_string()},
                    {"reason", c->reason.str()},
                    {"time_ms", c->ts_event.unix_ms()}};
                topic = "orders";
            } else if (const auto* r = std::get_if<model::OrderRejected>(&event)) {
                data = {
                    {"event", "rejected"},
                    {"id", r->order_id.str()},
                    {"symbol", r->symbol.to_string()},
                    {"reason", r->reason.str()},
                    {"time_ms", r->ts_event.unix_ms()}};
                topic = "orders";
            } else {
                return;
            }
        }
        hub->publish(spec.id, topic, data.dump());
    }

    std::vector<std::string> view_plot_names() const {
        const std::lock_guard lock(mu);
        return view.plot_names;
    }

    // mu held
    Json status_json() const {
        return Json{
            {"id", spec.id},
            {"mode", spec.mode},
            {"status", view.status},
            {"error", view.error},
            {"bars", view.bars},
            {"replaying", view.replaying},
            {"time_ms", view.time_ms},
            {"updated_ms", view.updated_ms},
            {"assets", spec.assets},
            {"strategy", spec.strategy},
            {"params", spec.params},
            {"model", spec.model ? Json(*spec.model) : Json()},
            {"feed", spec.feed},
            {"exchange", spec.exchange},
            {"speed", spec.speed},
            {"entries_paused", view.entries_paused},
            {"halted", view.halted},
            {"halt_reason", view.halt_reason},
            {"equity", view.balances.value("equity", std::string())},
            {"cash", view.balances.value("cash", std::string())},
            {"created_by", spec.created_by},
            {"created_ms", spec.created_ms}};
    }

    void set_status(const std::string& status, const std::string& error) {
        Json data;
        {
            const std::lock_guard lock(mu);
            view.status = status;
            view.error = error;
            view.updated_ms = wall_ms();
            data = status_json();
        }
        hub->publish(spec.id, "status", data.dump());
    }

    std::string view_json(std::string_view what, std::string_view symbol) const {
        const std::lock_guard lock(mu);
        const auto equity = [&] {
            Json points = Json::array();
            for (const auto& [t, e] : view.equity) {
                points.push_back({{"time_ms", t}, {"equity", e}});
            }
            return points;
        };
        const auto bars = [&](const std::string& s) {
            Json list = Json::array();
            const auto it = view.bars_by_symbol.find(s);
            if (it != view.bars_by_symbol.end()) {
                for (const auto& b : it->second) {
                    list.push_back({b.t, b.o, b.h, b.l, b.c, b.v});
                }
            }
            return list;
        };
        const auto listed = [](const std::deque<Json>& d) {
            Json a = Json::array();
            for (const auto& x : d) {
                a.push_back(x);
            }
            return a;
        };
        if (what == "summary") {
            return status_json().dump();
        }
        if (what == "positions") {
            return view.positions.dump();
        }
        if (what == "orders") {
            return view.orders.dump();
        }
        if (what == "trades") {
            return listed(view.trades).dump();
        }
        if (what == "fills") {
            return listed(view.fills).dump();
        }
        if (what == "alerts") {
            return listed(view.alerts).dump();
        }
        if (what == "balances") {
            return view.balances.dump();
        }
        if (what == "equity") {
            return equity().dump();
        }
        if (what == "risk") {
            return Json{
                {"limits", view.risk},
                {"entries_paused", view.entries_paused},
                {"halted", view.halted},
                {"halt_reason", view.halt_reason}}
                .dump();
        }
        if (what == "bars") {
            return bars(std::string(symbol)).dump();
        }
        // Everything the UI shows at once.
        Json snap = status_json();
        snap["positions"] = view.positions;
        snap["orders"] = view.orders;
        snap["balances"] = view.balances;
        snap["equity_points"] = equity();
        snap["trades"] = listed(view.trades);
        snap["fills"] = listed(view.fills);
        snap["alerts"] = listed(view.alerts);
        snap["risk"] = view.risk;
        Json all_bars = Json::object();
        for (const auto& [s, rows] : view.bars_by_symbol) {
            all_bars[s] = bars(s);
        }
        snap["bar_rows"] = all_bars;  // per symbol; "bars" is the count
        snap["plot_names"] = view.plot_names;
        Json plots = Json::object();
        for (const auto& [s, rows] : view.plots) {
            Json list = Json::array();
            for (const auto& r : rows) {
                Json point = Json::array();
                for (const double x : r) {
                    point.push_back(std::isfinite(x) ? Json(x) : Json());
                }
                list.push_back(std::move(point));
            }
            plots[s] = std::move(list);
        }
        snap["plots"] = plots;
        return snap.dump();
    }
};

SessionHost::SessionHost(HostOptions options, Hub& hub) : options_(std::move(options)), hub_(hub) {
    std::error_code ec;
    fs::create_directories(options_.sessions_dir, ec);
    for (auto& root : options_.data_roots) {
        const auto canonical = fs::weakly_canonical(root, ec);
        if (!ec) {
            root = canonical.string();
        }
    }
}

SessionHost::~SessionHost() {
    std::map<std::string, std::shared_ptr<Session>> sessions;
    {
        const std::lock_guard lock(mu_);
        shutting_down_ = true;
        sessions = sessions_;
    }
    for (auto& [id, s] : sessions) {
        s->stop_flag = true;
        s->wake_flag = true;
    }
    for (auto& [id, s] : sessions) {
        if (s->thread.joinable()) {
            s->thread.join();
        }
    }
}

Result<std::string> SessionHost::resolve_data_path(const std::string& path) const {
    std::error_code ec;
    const auto canonical = fs::weakly_canonical(path, ec);
    if (ec || !fs::exists(canonical, ec)) {
        return make_error(ErrorCode::kInvalidArgument, fmt::format("'{}' does not exist", path));
    }
    const std::string c = canonical.string();
    for (const auto& root : options_.data_roots) {
        if (c == root ||
            (c.rfind(root, 0) == 0 && c.size() > root.size() && c[root.size()] == '/')) {
            return c;
        }
    }
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("'{}' is outside the data directories the server was given", path));
}

Status SessionHost::save_registry() const {
    Json list = Json::array();
    for (const auto& [id, s] : sessions_) {
        list.push_back(Json::parse(s->spec.to_json()));
    }
    const fs::path file = fs::path(options_.sessions_dir) / "sessions.json";
    const fs::path tmp = fs::path(options_.sessions_dir) / "sessions.json.tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << list.dump(2);
        if (!out) {
            return make_error(ErrorCode::kIo, fmt::format("{}: cannot write", tmp.string()));
        }
    }
    std::error_code ec;
    fs::rename(tmp, file, ec);
    if (ec) {
        return make_error(ErrorCode::kIo, fmt::format("{}: {}", file.string(), ec.message()));
    }
    return ok_status();
}

Result<runtime::TradingSetup> trading_setup(const SessionSpec& spec) {
    std::vector<std::string> params;
    for (const auto& [k, v] : spec.params) {
        params.push_back(fmt::format("{}={}", k, v));
    }
    auto setup =
        runtime::load_trading_setup(std::nullopt, spec.strategy, params, spec.model, spec.config);
    if (!setup) {
        return tl::unexpected(setup.error());
    }
    if (spec.risk_json) {
        auto limits = runtime::parse_risk_limits_json(*spec.risk_json);
        if (!limits) {
            return tl::unexpected(limits.error());
        }
        setup->engine.risk = *limits;
        setup->config_text += "\n# risk from the dashboard\n" + *spec.risk_json + "\n";
    }
    return setup;
}

Result<std::string> SessionHost::start(SessionSpec spec) {
    spec.created_ms = wall_ms();
    return launch(std::move(spec), false);
}

Result<std::string> SessionHost::launch(SessionSpec spec, bool resume) {
    // Paths from the request are resolved inside the data directories.
    if (spec.mode == "paper" && spec.feed.rfind("replay:", 0) == 0) {
        std::string files;
        std::size_t pos = 7;
        while (pos <= spec.feed.size()) {
            auto comma = spec.feed.find(',', pos);
            if (comma == std::string::npos) {
                comma = spec.feed.size();
            }
            auto resolved = resolve_data_path(spec.feed.substr(pos, comma - pos));
            if (!resolved) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format("'feed': {}", resolved.error().message));
            }
            files += (files.empty() ? "" : ",") + *resolved;
            pos = comma + 1;
        }
        spec.feed = "replay:" + files;
    } else if (spec.mode == "paper" && spec.feed.rfind("live:", 0) != 0) {
        return make_error(
            ErrorCode::kInvalidArgument, "'feed' must be replay:FILE[,FILE] or live:TARGET");
    }
    if (spec.model) {
        auto resolved = resolve_data_path(*spec.model);
        if (!resolved) {
            return make_error(
                ErrorCode::kInvalidArgument, fmt::format("'model': {}", resolved.error().message));
        }
        spec.model = *resolved;
    }
    if (spec.mode == "live") {
        const bool safe = spec.exchange == "testnet" || runtime::is_local_url(spec.exchange);
        if (!safe && spec.confirm != spec.exchange) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "live trading on {} moves real money: type the exchange's name ('{}') in "
                    "'confirm'",
                    spec.exchange,
                    spec.exchange));
        }
    }
    auto setup = trading_setup(spec);
    if (!setup) {
        return tl::unexpected(setup.error());
    }
    {
        const std::lock_guard lock(mu_);
        if (spec.id.empty()) {
            while (sessions_.count(fmt::format("s{}", next_id_)) != 0) {
                ++next_id_;
            }
            spec.id = fmt::format("s{}", next_id_++);
        } else if (sessions_.count(spec.id) != 0 && !resume) {
            return make_error(ErrorCode::kAlreadyExists, fmt::format("session {} exists", spec.id));
        }
    }
    runtime::SessionRequest request;
    request.assets = spec.assets;
    request.feed = spec.feed;
    request.live = spec.mode == "live";
    request.exchange = spec.exchange;
    request.real_money = spec.mode == "live" && spec.confirm == spec.exchange;
    request.speed = spec.speed;
    request.interval = spec.interval;
    request.ca_file = options_.ca_file;
    request.setup = std::move(*setup);
    request.state_path = (fs::path(options_.sessions_dir) / (spec.id + ".db")).string();
    request.api_key = options_.api_key;
    request.api_secret = options_.api_secret;
    request.order_id_prefix = spec.mode == "live" ? "live" : "paper";

    auto session = std::make_shared<Session>();
    session->hub = &hub_;
    session->notifier = options_.notifier;
    const bool replay = spec.mode == "paper" && spec.feed.rfind("replay:", 0) == 0;
    std::optional<runtime::PaperSetup> paper;
    std::optional<runtime::LiveSetup> live;
    if (replay) {
        auto made = runtime::make_paper_setup(request);
        if (!made) {
            return tl::unexpected(made.error());
        }
        paper = std::move(*made);
    } else {
        auto made = runtime::make_live_setup(request);
        if (!made) {
            return tl::unexpected(made.error());
        }
        live = std::move(*made);
    }
    spec.status = "running";
    session->spec = spec;
    const std::string id = spec.id;
    {
        const std::lock_guard lock(mu_);
        if (auto old = sessions_.find(id); old != sessions_.end()) {
            if (old->second->thread.joinable()) {
                return make_error(
                    ErrorCode::kFailedPrecondition, fmt::format("session {} is running", id));
            }
        }
        sessions_[id] = session;
        if (auto s = save_registry(); !s) {
            sessions_.erase(id);
            return tl::unexpected(s.error());
        }
    }
    session->thread =
        std::thread([this, session, paper = std::move(paper), live = std::move(live)]() mutable {
            std::string final_status = "finished";
            std::string error;
            if (paper) {
                paper->config.stop = &session->stop_flag;
                paper->config.control = session.get();
                paper->config.observer = session.get();
                paper->config.notifier = session->notifier;
                auto r = runtime::run_paper(paper->config, paper->assets);
                if (!r) {
                    final_status = "failed";
                    error = r.error().message;
                } else if (!r->finished) {
                    final_status = "stopped";
                }
            } else {
                live->config.stop = &session->stop_flag;
                live->config.control = session.get();
                live->config.observer = session.get();
                live->config.notifier = session->notifier;
                auto r = runtime::run_live(live->config, live->instruments);
                if (!r) {
                    final_status = "failed";
                    error = r.error().message;
                } else {
                    final_status = "stopped";
                }
            }
            Status saved = ok_status();
            {
                const std::lock_guard lock(mu_);
                // Stopped because the server stops: still "running" in the registry, so the next
                // start resumes it from its state file.
                if (!(final_status == "stopped" && shutting_down_)) {
                    session->spec.status = final_status;
                }
                saved = save_registry();
            }
            if (!saved) {
                // The state file is the truth; the registry only says what to resume.
                error += (error.empty() ? "" : "; ") +
                         ("the session registry was not saved: " + saved.error().message);
            }
            // Published without the host's lock (the hub calls back into the host for snapshots).
            session->set_status(final_status, error);
        });
    return id;
}

std::vector<std::string> SessionHost::resume_all() {
    std::vector<SessionSpec> specs;
    const fs::path file = fs::path(options_.sessions_dir) / "sessions.json";
    std::ifstream in(file);
    if (in) {
        try {
            const auto list = Json::parse(in);
            for (const auto& item : list) {
                auto spec = SessionSpec::from_json(item.dump());
                if (spec) {
                    specs.push_back(*spec);
                }
            }
        } catch (const std::exception&) {
            // A broken registry resumes nothing; the state files stay for a manual restart.
        }
    }
    std::vector<std::string> resumed;
    for (auto& spec : specs) {
        const auto number =
            spec.id.size() > 1 ? std::strtoull(spec.id.c_str() + 1, nullptr, 10) : 0;
        {
            const std::lock_guard lock(mu_);
            next_id_ = std::max<std::uint64_t>(next_id_, number + 1);
        }
        if (spec.status != "running") {
            // Ended sessions stay listed (their views are empty until started again).
            auto session = std::make_shared<Session>();
            session->hub = &hub_;
            session->spec = spec;
            session->view.status = spec.status;
            const std::lock_guard lock(mu_);
            sessions_[spec.id] = session;
            continue;
        }
        const std::string id = spec.id;
        auto started = launch(std::move(spec), true);
        if (started) {
            resumed.push_back(*started);
        }
    }
    return resumed;
}

Result<std::string> SessionHost::restart(const std::string& id) {
    std::shared_ptr<Session> s;
    {
        const std::lock_guard lock(mu_);
        const auto it = sessions_.find(id);
        if (it == sessions_.end()) {
            return make_error(ErrorCode::kNotFound, fmt::format("no session {}", id));
        }
        s = it->second;
    }
    {
        const std::lock_guard lock(s->mu);
        const auto& st = s->view.status;
        if (st == "running" || st == "replaying" || st == "starting") {
            return make_error(
                ErrorCode::kFailedPrecondition, fmt::format("session {} is running", id));
        }
    }
    if (s->thread.joinable()) {
        s->thread.join();  // it has ended; its state file is complete
    }
    SessionSpec spec;
    {
        const std::lock_guard lock(mu_);
        spec = s->spec;
    }
    return launch(std::move(spec), true);
}

Status SessionHost::stop(const std::string& id) {
    std::shared_ptr<Session> s;
    {
        const std::lock_guard lock(mu_);
        const auto it = sessions_.find(id);
        if (it == sessions_.end()) {
            return make_error(ErrorCode::kNotFound, fmt::format("no session {}", id));
        }
        s = it->second;
    }
    s->stop_flag = true;
    s->wake_flag = true;
    if (s->thread.joinable()) {
        s->thread.join();
    }
    const std::lock_guard lock(mu_);
    s->spec.status = "stopped";
    return save_registry();
}

Status SessionHost::command(const std::string& id, runtime::SessionCommand command) {
    std::shared_ptr<Session> s;
    {
        const std::lock_guard lock(mu_);
        const auto it = sessions_.find(id);
        if (it == sessions_.end()) {
            return make_error(ErrorCode::kNotFound, fmt::format("no session {}", id));
        }
        s = it->second;
    }
    {
        const std::lock_guard lock(s->mu);
        if (s->view.status != "running" && s->view.status != "replaying" &&
            s->view.status != "starting") {
            return make_error(
                ErrorCode::kFailedPrecondition,
                fmt::format("session {} is {}", id, s->view.status));
        }
        s->queue.push_back(std::move(command));
    }
    s->wake_flag = true;
    return ok_status();
}

std::size_t SessionHost::emergency_stop_all(const std::string& reason) {
    std::size_t n = 0;
    for (const auto& id : ids()) {
        runtime::SessionCommand c;
        c.kind = runtime::SessionCommand::Kind::kEmergencyStop;
        c.reason = reason;
        if (command(id, c)) {
            ++n;
        }
    }
    return n;
}

std::vector<std::string> SessionHost::ids() const {
    const std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& [id, s] : sessions_) {
        out.push_back(id);
    }
    return out;
}

bool SessionHost::exists(const std::string& id) const {
    const std::lock_guard lock(mu_);
    return sessions_.count(id) != 0;
}

std::optional<std::string> SessionHost::view(
    const std::string& id, std::string_view what, std::string_view symbol) const {
    std::shared_ptr<Session> s;
    {
        const std::lock_guard lock(mu_);
        const auto it = sessions_.find(id);
        if (it == sessions_.end()) {
            return std::nullopt;
        }
        s = it->second;
    }
    return s->view_json(what, symbol);
}

std::optional<SessionSpec> SessionHost::spec(const std::string& id) const {
    const std::lock_guard lock(mu_);
    const auto it = sessions_.find(id);
    return it == sessions_.end() ? std::nullopt : std::optional<SessionSpec>(it->second->spec);
}

std::optional<std::string> SessionHost::fills_json(const std::string& id) const {
    return view(id, "fills");
}

}  // namespace ats::server
