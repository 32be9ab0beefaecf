#include "ats/runtime/session_setup.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "ats/data/bar_source.hpp"

namespace ats::runtime {

std::optional<Endpoints> endpoints_for(const std::string& target) {
    // Binance's Spot endpoints (../shared/specs/binance-spot.md) and its Spot testnet.
    if (target == "binance") {
        return Endpoints{"https://api.binance.com", "wss://stream.binance.com:9443"};
    }
    if (target == "testnet") {
        return Endpoints{"https://testnet.binance.vision", "wss://stream.testnet.binance.vision"};
    }
    std::string base = target;
    while (!base.empty() && base.back() == '/') {
        base.pop_back();
    }
    for (const auto& [http, ws] :
         {std::pair<std::string, std::string>{"http://", "ws://"},
          std::pair<std::string, std::string>{"https://", "wss://"}}) {
        if (base.rfind(http, 0) == 0 && base.size() > http.size()) {
            return Endpoints{base, ws + base.substr(http.size())};
        }
    }
    return std::nullopt;
}

bool is_local_url(const std::string& url) {
    for (const char* scheme : {"http://", "https://"}) {
        for (const char* host : {"127.0.0.1", "localhost"}) {
            const std::string p = std::string(scheme) + host;
            if (url.rfind(p, 0) == 0 &&
                (url.size() == p.size() || url[p.size()] == ':' || url[p.size()] == '/')) {
                return true;
            }
        }
    }
    return false;
}

Result<double> parse_speed(const std::string& text) {
    if (text == "max") {
        return 0.0;
    }
    char* end = nullptr;
    const double speed = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || std::string_view(end) != "x" || !(speed > 0) || speed > 1e9) {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("speed '{}': use e.g. 60x or max", text));
    }
    return speed;
}

namespace {

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        auto comma = text.find(',', pos);
        if (comma == std::string::npos) {
            comma = text.size();
        }
        if (comma > pos) {
            out.push_back(text.substr(pos, comma - pos));
        }
        pos = comma + 1;
    }
    return out;
}

}  // namespace

Result<PaperSetup> make_paper_setup(const SessionRequest& r) {
    if (r.assets.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "assets: give at least one symbol");
    }
    const std::string prefix = "replay:";
    if (r.feed.rfind(prefix, 0) != 0) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("feed '{}': use replay:FILE[,FILE] or live:TARGET", r.feed));
    }
    const auto files = split(r.feed.substr(prefix.size()));
    // One file per asset, or one directory (a catalog, or SYMBOL_* files) for all of them.
    if (files.size() != r.assets.size() && files.size() != 1) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "feed: {} file(s) for {} asset(s); give one file per asset, in the assets' order, "
                "or one directory (a catalog)",
                files.size(),
                r.assets.size()));
    }
    auto speed = parse_speed(r.speed);
    if (!speed) {
        return tl::unexpected(speed.error());
    }
    if (r.commit_every == 0 || r.snapshot_every == 0) {
        return make_error(
            ErrorCode::kInvalidArgument, "commit-every and --snapshot-every must be positive");
    }
    PaperSetup out;
    auto& config = out.config;
    config.strategy = r.setup.strategy;
    config.params = r.setup.params;
    config.engine = r.setup.engine;
    config.engine.order_id_prefix = r.order_id_prefix.empty() ? "paper" : r.order_id_prefix;
    config.venue = r.setup.venue;
    config.slippage = r.setup.slippage;
    config.sources = r.setup.sources;
    config.speed = *speed;
    config.state_path = r.state_path;
    config.store.durability = r.sync_full ? store::Durability::kFull : store::Durability::kNormal;
    config.commit_every_bars = r.commit_every;
    config.snapshot_every_bars = r.snapshot_every;
    // Everything that decides what the engine does; speed and sync may change on restart.
    config.session_text = fmt::format(
        "[paper]\nassets = \"{}\"\nfeed = \"{}\"\ncommit_every = {}\nsnapshot_every = {}\n{}",
        fmt::join(r.assets, ","),
        r.feed,
        config.commit_every_bars,
        config.snapshot_every_bars,
        r.setup.config_text);
    for (std::size_t i = 0; i < r.assets.size(); ++i) {
        auto symbol = Symbol::parse(r.assets[i]);
        if (!symbol) {
            return tl::unexpected(symbol.error());
        }
        data::BarRequest bars;
        bars.data = files.size() == 1 ? files.front() : files[i];
        bars.symbol = r.assets[i];
        bars.single = files.size() == r.assets.size();
        auto loaded = data::load_bars(bars);
        if (!loaded) {
            return tl::unexpected(loaded.error());
        }
        out.assets.push_back(
            PaperAsset{backtest::default_instrument(*symbol), std::move(loaded->series)});
    }
    return out;
}

Result<LiveSetup> make_live_setup(const SessionRequest& r) {
    if (r.assets.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "assets: give at least one symbol");
    }
    const bool paper = !r.live;
    const std::string target =
        paper ? r.feed.substr(r.feed.rfind("live:", 0) == 0 ? 5 : 0) : r.exchange;
    const auto endpoints = endpoints_for(target);
    if (!endpoints) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("exchange '{}': use binance, testnet or http(s)://127.0.0.1:PORT", target));
    }
    // Safety first: real money needs the explicit confirmation, whatever else is wrong.
    if (!paper && target != "testnet" && !is_local_url(target) && !r.real_money) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "exchange {} trades real money: it needs the explicit confirmation "
                "(--i-understand-this-trades-real-money)",
                target));
    }
    if (!paper && (r.api_key.empty() || r.api_secret.empty())) {
        return make_error(ErrorCode::kInvalidArgument, "live trading needs API keys");
    }
    LiveSetup out;
    for (const auto& a : r.assets) {
        auto symbol = Symbol::parse(a);
        if (!symbol) {
            return tl::unexpected(symbol.error());
        }
        out.instruments.push_back(backtest::default_instrument(*symbol));
    }
    auto& config = out.config;
    config.strategy = r.setup.strategy;
    config.params = r.setup.params;
    config.engine = r.setup.engine;
    config.engine.order_id_prefix =
        !r.order_id_prefix.empty() ? r.order_id_prefix : (paper ? "paper" : "live");
    config.paper = paper;
    config.paper_venue = r.setup.venue;
    config.paper_slippage = r.setup.slippage;
    config.sources = r.setup.sources;
    config.rest_url = endpoints->rest;
    config.ws_url = endpoints->ws;
    if (r.ca_file) {
        config.ca_file = *r.ca_file;
    }
    config.api_key = r.api_key;
    config.api_secret = r.api_secret;
    config.interval = r.interval;
    config.read_timeout = Duration::from_ms(static_cast<std::int64_t>(r.read_timeout_s * 1000));
    config.user_stream = r.user_stream;
    config.exchange_protection = !r.client_stops;
    config.redis = r.redis;
    config.redis_key = r.redis_key;
    config.state_path = r.state_path;
    config.max_bars = r.max_bars;
    config.session_text = fmt::format(
        "[{}]\nassets = \"{}\"\nexchange = \"{}\"\ninterval = \"{}\"\n{}",
        paper ? "paper-live" : "live",
        fmt::join(r.assets, ","),
        target,
        r.interval,
        r.setup.config_text);
    return out;
}

}  // namespace ats::runtime
