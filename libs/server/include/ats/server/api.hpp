#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/model/ports.hpp"
#include "ats/server/http.hpp"
#include "ats/server/web_server.hpp"

namespace ats::server {

class AuthStore;
class Hub;
class Router;
class SessionHost;

struct ServerOptions {
    /// SQLite file with users, tokens, the audit log and the run history (`ats backtest --db`).
    std::string db_path = "ats.db";
    std::string web_root;   ///< the dashboard's files (index.html, app.js, ...)
    std::string plotly_js;  ///< Plotly.js served at /static/vendor/plotly.min.js
    /// Where bars, replay feeds and models may be read from; the first one is the default for
    /// /candles.
    std::vector<std::string> data_dirs{"data"};
    std::string sessions_dir = "sessions";
    std::string jobs_dir = "out/jobs";  ///< backtest jobs' report directories
    /// `[altdata]` config for /altdata (the dashboard's alternative-data panel); "" = none.
    std::string altdata_config;
    std::string version = "dev";
    std::string api_key;  ///< live sessions' exchange keys (never shown)
    std::string api_secret;
    std::optional<std::string> ca_file;
    model::Notifier* notifier = nullptr;
    bool resume_sessions = true;  ///< re-attach to sessions that were running at the last stop
};

/// The dashboard's backend: the REST API (`/api/v1`, every route in one table that also
/// generates /api/v1/openapi.json), the WebSocket stream (/api/v1/ws), the web UI's files, users
/// and tokens, the audit log, hosted sessions and background backtests. Transport-free: the
/// WebServer (or a test) hands it requests.
class Api {
public:
    /// kIo when the database cannot be opened.
    static Result<std::unique_ptr<Api>> create(ServerOptions options);
    ~Api();
    Api(const Api&) = delete;
    Api& operator=(const Api&) = delete;

    Response handle(Request& request);
    WebServer::WsAccept ws_accept();

    AuthStore& auth();
    SessionHost& sessions();
    Hub& hub();
    /// How many sessions create() started again from the registry.
    std::size_t resumed_sessions() const;
    /// The OpenAPI document (for `ats serve --openapi`).
    std::string openapi() const;
    /// Blocks until every queued backtest job has ended (tests, shutdown).
    void wait_for_jobs();

private:
    struct Impl;
    explicit Api(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::server
