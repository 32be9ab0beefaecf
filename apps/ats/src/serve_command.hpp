#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ats::cli {

/// Flags of `ats serve` (alias `ats dashboard`); see docs/dashboard.md.
struct ServeArgs {
    std::string bind = "127.0.0.1";
    int port = 8080;
    std::string db = "ats.db";
    std::vector<std::string> data{"data"};  ///< directories the API may read bars and models from
    std::string sessions_dir = "sessions";
    std::string jobs_dir = "out/jobs";
    std::optional<std::string> web_root;  ///< default: $ATS_WEB_ROOT, else web/dashboard
    /// [altdata] config for the alternative-data panel; default configs/altdata.toml if present.
    std::optional<std::string> altdata;
    std::optional<std::string> keys;  ///< live sessions' exchange keys (0600 file)
    std::optional<std::string> ca_file;
    std::string tls_cert;
    std::string tls_key;
    bool insecure_bind = false;  ///< allow a non-loopback address without TLS
    int threads = 2;
    bool no_resume = false;
    bool openapi = false;  ///< print the OpenAPI document and exit
    bool telegram = false;
    std::optional<std::string> telegram_credentials;
    std::string telegram_api = "https://api.telegram.org";
};

/// `ats serve`: the web dashboard, the REST API and the WebSocket stream until SIGINT/SIGTERM;
/// prints "ats serve: dashboard at http://ADDR:PORT/" once ready.
int run_serve(const ServeArgs& args);

struct UsersArgs {
    std::string db = "ats.db";
    std::string name;
    std::string role = "viewer";
};

/// `ats users add NAME --role viewer|trader`: the password is read from stdin (twice, without
/// echo, on a terminal).
int run_users_add(const UsersArgs& args);
int run_users_list(const UsersArgs& args);
int run_users_remove(const UsersArgs& args);

}  // namespace ats::cli
