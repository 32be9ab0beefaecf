#include "serve_command.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include "ats/core/log.hpp"
#include "ats/notify/telegram_notifier.hpp"
#include "ats/server/api.hpp"
#include "ats/server/auth.hpp"
#include "ats/server/session_host.hpp"
#include "ats/server/web_server.hpp"
#include "ats/version.hpp"

#include "cli_common.hpp"
#include "exit_codes.hpp"

namespace ats::cli {
namespace {

/// Critical alerts of every session on stderr, and all of them to Telegram when asked; session
/// threads call it concurrently.
class ServerNotifier final : public model::Notifier {
public:
    explicit ServerNotifier(notify::TelegramNotifier* telegram) : telegram_(telegram) {}
    void notify(const model::AlertLogged& alert) override {
        const std::lock_guard lock(mu_);
        if (alert.level == model::AlertLevel::kCritical) {
            std::fprintf(
                stderr,
                "ats: %s %s: %s\n",
                alert.ts_event.to_iso8601().c_str(),
                std::string(model::to_string(alert.level)).c_str(),
                printable(alert.message.view()).c_str());
        }
        if (telegram_ != nullptr) {
            telegram_->notify(alert);
        }
    }

private:
    std::mutex mu_;
    notify::TelegramNotifier* telegram_;
};

std::string default_web_root() {
    if (const char* env = std::getenv("ATS_WEB_ROOT")) {
        return env;
    }
    if (const auto share = installed_share_dir(); !share.empty()) {
        return share + "/web/dashboard";
    }
    return std::string(ATS_SOURCE_DIR) + "/web/dashboard";
}

/// One line from stdin, without echo when it is a terminal.
std::optional<std::string> read_secret_line(const char* prompt) {
    const bool tty = ::isatty(STDIN_FILENO) != 0;
    termios old{};
    if (tty) {
        std::fprintf(stderr, "%s", prompt);
        ::tcgetattr(STDIN_FILENO, &old);
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string line;
    const bool got = static_cast<bool>(std::getline(std::cin, line));
    if (tty) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
        std::fprintf(stderr, "\n");
    }
    if (!got) {
        return std::nullopt;
    }
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    return line;
}

}  // namespace

int run_serve(const ServeArgs& args) {
    const std::atomic<bool>& stop = stop_on_signals();
    if (args.port < 0 || args.port > 65535) {
        return fail(fmt::format("--port must be in [0, 65535], got {}", args.port), kExitUsage);
    }
    if (args.threads < 1 || args.threads > 64) {
        return fail(fmt::format("--threads must be in [1, 64], got {}", args.threads), kExitUsage);
    }
    if (args.tls_cert.empty() != args.tls_key.empty()) {
        return fail("--tls-cert and --tls-key go together", kExitUsage);
    }
    // Reachable from other machines only over TLS, or when the user insists.
    if (!server::is_loopback(args.bind) && args.tls_cert.empty() && !args.insecure_bind) {
        return fail(
            fmt::format(
                "--bind {}: other machines could reach the dashboard without TLS; give "
                "--tls-cert/--tls-key (or --insecure-bind behind your own TLS proxy)",
                args.bind),
            kExitUsage);
    }
    for (const auto& dir : args.data) {
        if (!std::filesystem::is_directory(dir)) {
            return fail(fmt::format("--data {}: not a directory", dir), kExitUsage);
        }
    }

    std::unique_ptr<notify::TelegramNotifier> telegram;
    if (args.telegram) {
        auto credentials = notify::load_telegram_credentials(args.telegram_credentials);
        if (!credentials) {
            return fail(credentials.error().message, exit_code_for(credentials.error()));
        }
        notify::TelegramConfig tc;
        tc.credentials = std::move(*credentials);
        tc.api_base = args.telegram_api;
        auto created = notify::TelegramNotifier::create(std::move(tc));
        if (!created) {
            return fail(created.error().message, kExitUsage);
        }
        telegram = std::move(*created);
    }
    ServerNotifier notifier(telegram.get());

    server::ServerOptions o;
    o.db_path = args.db;
    o.web_root = args.web_root.value_or(default_web_root());
    o.plotly_js = plotly_js_path();
    o.data_dirs = args.data;
    o.sessions_dir = args.sessions_dir;
    o.jobs_dir = args.jobs_dir;
    if (args.altdata) {
        o.altdata_config = *args.altdata;
    } else if (std::filesystem::exists("configs/altdata.toml")) {
        o.altdata_config = "configs/altdata.toml";
    }
    o.version = kVersion;
    o.ca_file = args.ca_file;
    o.notifier = &notifier;
    o.resume_sessions = !args.no_resume && !args.openapi;
    // Keys are optional: without them live sessions are refused, paper sessions run.
    if (args.keys || (std::getenv("ATS_BINANCE_API_KEY") != nullptr)) {
        auto keys = load_api_keys(args.keys);
        if (!keys) {
            return fail(keys.error().message, kExitUsage);
        }
        log::add_secret(keys->key);
        log::add_secret(keys->secret);
        o.api_key = keys->key;
        o.api_secret = keys->secret;
    }
    auto api = server::Api::create(std::move(o));
    if (!api) {
        return fail(api.error().message, exit_code_for(api.error()));
    }
    if (args.openapi) {
        std::printf("%s\n", (*api)->openapi().c_str());
        return kExitOk;
    }
    auto users = (*api)->auth().users();
    if (users && users->empty()) {
        std::fprintf(
            stderr,
            "ats serve: no users yet; create one with `ats users add NAME --role trader --db %s`\n",
            args.db.c_str());
    }
    server::WebServerOptions w;
    w.bind = args.bind;
    w.port = static_cast<std::uint16_t>(args.port);
    w.threads = args.threads;
    w.tls_cert = args.tls_cert;
    w.tls_key = args.tls_key;
    server::Api* a = api->get();
    auto web = server::WebServer::start(
        w, [a](server::Request& r) { return a->handle(r); }, a->ws_accept());
    if (!web) {
        return fail(web.error().message, kExitNetwork);
    }
    const bool tls = (*web)->tls();
    std::printf(
        "ats serve: dashboard at %s://%s:%u/ (API %s://%s:%u/api/v1, %zu sessions resumed)\n",
        tls ? "https" : "http",
        args.bind.c_str(),
        static_cast<unsigned>((*web)->port()),
        tls ? "https" : "http",
        args.bind.c_str(),
        static_cast<unsigned>((*web)->port()),
        a->resumed_sessions());
    std::fflush(stdout);
    while (!stop.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::fprintf(stderr, "ats serve: stopping (sessions save their state)\n");
    (*web)->stop();
    api->reset();  // stops and joins every session: state saved, resumed at the next start
    if (telegram) {
        (void)telegram->flush(Duration::from_seconds(10));
    }
    return kExitOk;
}

int run_users_add(const UsersArgs& args) {
    const auto role = server::parse_role(args.role);
    if (!role) {
        return fail(fmt::format("--role '{}': viewer or trader", printable(args.role)), kExitUsage);
    }
    auto store = server::AuthStore::open(args.db);
    if (!store) {
        return fail(store.error().message, exit_code_for(store.error()));
    }
    auto password = read_secret_line("password: ");
    if (!password) {
        return fail("no password on stdin", kExitUsage);
    }
    if (::isatty(STDIN_FILENO) != 0) {
        auto again = read_secret_line("again: ");
        if (!again || *again != *password) {
            return fail("the passwords differ", kExitUsage);
        }
    }
    if (auto s = (*store)->add_user(args.name, *password, *role); !s) {
        return fail(s.error().message, exit_code_for(s.error()));
    }
    std::printf("user %s added (%s)\n", args.name.c_str(), args.role.c_str());
    return kExitOk;
}

int run_users_list(const UsersArgs& args) {
    auto store = server::AuthStore::open(args.db);
    if (!store) {
        return fail(store.error().message, exit_code_for(store.error()));
    }
    auto users = (*store)->users();
    if (!users) {
        return fail(users.error().message, exit_code_for(users.error()));
    }
    for (const auto& u : *users) {
        std::printf("%-24s %s\n", u.name.c_str(), std::string(server::to_string(u.role)).c_str());
    }
    return kExitOk;
}

int run_users_remove(const UsersArgs& args) {
    auto store = server::AuthStore::open(args.db);
    if (!store) {
        return fail(store.error().message, exit_code_for(store.error()));
    }
    if (auto s = (*store)->remove_user(args.name); !s) {
        return fail(s.error().message, exit_code_for(s.error()));
    }
    std::printf("user %s removed (their tokens no longer work)\n", args.name.c_str());
    return kExitOk;
}

}  // namespace ats::cli
