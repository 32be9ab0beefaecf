#include "ats/notify/telegram_notifier.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <mutex>
#include <thread>
#include <utility>  // Boost 1.74's asio needs it first with GCC 12

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

namespace ats::notify {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

struct Url {
    bool tls = false;
    std::string host;
    std::string port;
    std::string prefix;  // path before /bot<token>/...
};

Result<Url> parse_url(std::string_view base) {
    Url u;
    std::string_view rest;
    if (base.rfind("https://", 0) == 0) {
        u.tls = true;
        rest = base.substr(8);
    } else if (base.rfind("http://", 0) == 0) {
        rest = base.substr(7);
    } else {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("telegram api_base '{}': must start with http:// or https://", base));
    }
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        u.prefix = std::string(rest.substr(slash));
        while (!u.prefix.empty() && u.prefix.back() == '/') {
            u.prefix.pop_back();
        }
    }
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
        u.host = std::string(authority.substr(0, colon));
        u.port = std::string(authority.substr(colon + 1));
    } else {
        u.host = std::string(authority);
        u.port = u.tls ? "443" : "80";
    }
    if (u.host.empty() || u.port.empty()) {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("telegram api_base '{}': no host", base));
    }
    return u;
}

struct HttpResult {
    int status = 0;
    std::string body;
};

/// Runs the io_context until the pending operation completes (the stream's expiry bounds it).
void run(net::io_context& ioc) {
    ioc.restart();
    ioc.run();
}

template <class Stream>
Result<HttpResult> exchange(
    Stream& stream, net::io_context& ioc, http::request<http::string_body>& req) {
    beast::error_code ec;
    http::async_write(stream, req, [&](beast::error_code e, std::size_t) { ec = e; });
    run(ioc);
    if (ec) {
        return make_error(ErrorCode::kUnavailable, fmt::format("send: {}", ec.message()));
    }
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::async_read(stream, buffer, res, [&](beast::error_code e, std::size_t) { ec = e; });
    run(ioc);
    if (ec) {
        return make_error(
            ec == beast::error::timeout ? ErrorCode::kTimeout : ErrorCode::kUnavailable,
            fmt::format("receive: {}", ec.message()));
    }
    return HttpResult{static_cast<int>(res.result_int()), std::move(res.body())};
}

/// One POST with a JSON body. Errors name the host, never the target (it holds the token).
Result<HttpResult> post(
    const Url& url,
    net::ssl::context* tls,
    const std::string& target,
    std::string body,
    Duration timeout) {
    try {
        net::io_context ioc;
        tcp::resolver resolver(ioc);
        beast::error_code ec;
        const auto endpoints = resolver.resolve(url.host, url.port, ec);
        if (ec) {
            return make_error(
                ErrorCode::kUnavailable,
                fmt::format("telegram: resolve {}: {}", url.host, ec.message()));
        }
        http::request<http::string_body> req{http::verb::post, target, 11};
        req.set(http::field::host, url.host);
        req.set(http::field::user_agent, "ats");
        req.set(http::field::content_type, "application/json");
        req.set(http::field::connection, "close");
        req.body() = std::move(body);
        req.prepare_payload();
        const auto expiry = std::chrono::nanoseconds(timeout.ns());
        auto fail = [&](const Error& e) {
            return make_error(
                e.code, fmt::format("telegram: {}:{}: {}", url.host, url.port, e.message));
        };
        if (!url.tls) {
            beast::tcp_stream stream(ioc);
            stream.expires_after(expiry);
            stream.async_connect(endpoints, [&](beast::error_code e, const auto&) { ec = e; });
            run(ioc);
            if (ec) {
                return fail(Error{ErrorCode::kUnavailable, "connect: " + ec.message()});
            }
            auto r = exchange(stream, ioc, req);
            if (!r) {
                return fail(r.error());
            }
            stream.socket().shutdown(tcp::socket::shutdown_both, ec);
            return r;
        }
        beast::ssl_stream<beast::tcp_stream> stream(ioc, *tls);
        // SNI (SSL_set_tlsext_host_name without its C-style cast).
        if (SSL_ctrl(
                stream.native_handle(),
                SSL_CTRL_SET_TLSEXT_HOSTNAME,
                TLSEXT_NAMETYPE_host_name,
                const_cast<char*>(url.host.c_str())) != 1) {
            return fail(Error{ErrorCode::kUnavailable, "TLS: cannot set the server name"});
        }
        stream.set_verify_callback(net::ssl::host_name_verification(url.host));
        beast::get_lowest_layer(stream).expires_after(expiry);
        beast::get_lowest_layer(stream).async_connect(
            endpoints, [&](beast::error_code e, const auto&) { ec = e; });
        run(ioc);
        if (ec) {
            return fail(Error{ErrorCode::kUnavailable, "connect: " + ec.message()});
        }
        stream.async_handshake(net::ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
        run(ioc);
        if (ec) {
            return fail(Error{ErrorCode::kUnavailable, "TLS handshake: " + ec.message()});
        }
        auto r = exchange(stream, ioc, req);
        if (!r) {
            return fail(r.error());
        }
        return r;
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kUnavailable, fmt::format("telegram: {}", e.what()));
    }
}

std::size_t utf8_length(unsigned char lead) {
    if (lead < 0x80) {
        return 1;
    }
    if ((lead >> 5) == 0x6) {
        return 2;
    }
    if ((lead >> 4) == 0xE) {
        return 3;
    }
    if ((lead >> 3) == 0x1E) {
        return 4;
    }
    return 1;  // stray continuation byte: one unit, kept as is
}

std::string_view level_name(model::AlertLevel level) {
    switch (level) {
        case model::AlertLevel::kCritical:
            return "CRITICAL";
        case model::AlertLevel::kWarning:
            return "WARNING";
        case model::AlertLevel::kInfo:
            return "INFO";
    }
    return "ALERT";
}

}  // namespace

std::string escape_markdown_v2(std::string_view text) {
    static constexpr std::string_view kReserved = "_*[]()~`>#+-=|{}.!\\";
    std::string out;
    out.reserve(text.size() + text.size() / 4);
    for (const char c : text) {
        if (kReserved.find(c) != std::string_view::npos) {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    return out;
}

std::string escape_html(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

std::vector<std::string> split_message(std::string_view text, std::size_t limit, bool markdown_v2) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t pos = start;
        std::size_t units = 0;
        std::size_t last_newline = std::string_view::npos;  // position after a '\n'
        while (pos < text.size()) {
            std::size_t len = utf8_length(static_cast<unsigned char>(text[pos]));
            len = std::min(len, text.size() - pos);
            std::size_t u = len == 4 ? 2 : 1;
            if (markdown_v2 && text[pos] == '\\' && pos + 1 < text.size()) {
                // An escape and the character it escapes stay together.
                const std::size_t next = std::min(
                    utf8_length(static_cast<unsigned char>(text[pos + 1])), text.size() - pos - 1);
                u += next == 4 ? 2 : 1;
                len += next;
            }
            if (units + u > limit) {
                break;
            }
            units += u;
            pos += len;
            if (text[pos - 1] == '\n') {
                last_newline = pos;
            }
        }
        if (pos == start) {
            pos = start + 1;  // limit smaller than one unit: make progress anyway
        } else if (pos < text.size() && last_newline != std::string_view::npos) {
            pos = last_newline;
        }
        out.emplace_back(text.substr(start, pos - start));
        start = pos;
    }
    return out;
}

std::string redact(std::string_view text, std::string_view secret) {
    std::string out(text);
    if (secret.empty()) {
        return out;
    }
    std::size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
        out.replace(pos, secret.size(), "<redacted>");
        pos += 10;
    }
    return out;
}

Result<TelegramCredentials> load_telegram_credentials(const std::optional<std::string>& file) {
    TelegramCredentials c;
    if (const char* token = std::getenv("ATS_TELEGRAM_BOT_TOKEN")) {
        c.token = token;
    }
    if (const char* chat = std::getenv("ATS_TELEGRAM_CHAT_ID")) {
        c.chat_id = chat;
    }
    if ((c.token.empty() || c.chat_id.empty()) && file) {
        struct stat st {};
        if (::stat(file->c_str(), &st) != 0) {
            return make_error(
                ErrorCode::kNotFound, fmt::format("telegram credentials {}: no such file", *file));
        }
        if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
            return make_error(
                ErrorCode::kFailedPrecondition,
                fmt::format(
                    "telegram credentials {}: must be a regular file readable by its owner only "
                    "(chmod 600)",
                    *file));
        }
        std::ifstream in(*file);
        std::string line;
        int number = 0;
        while (std::getline(in, line)) {
            ++number;
            if (line.empty() || line[0] == '#') {
                continue;
            }
            const auto eq = line.find('=');
            const std::string key = line.substr(0, eq);
            if (eq == std::string::npos || (key != "bot_token" && key != "chat_id")) {
                // Never echo the line: it may hold the token.
                return make_error(
                    ErrorCode::kParse,
                    fmt::format(
                        "telegram credentials {}:{}: expected bot_token=... or chat_id=...",
                        *file,
                        number));
            }
            (key == "bot_token" ? c.token : c.chat_id) = line.substr(eq + 1);
        }
    }
    if (c.token.empty() || c.chat_id.empty()) {
        return make_error(
            ErrorCode::kNotFound,
            "telegram: set ATS_TELEGRAM_BOT_TOKEN and ATS_TELEGRAM_CHAT_ID or give a 0600 "
            "credentials file");
    }
    return c;
}

struct TelegramNotifier::Impl {
    struct Item {
        std::string text;
        bool critical = false;
    };

    TelegramConfig config;
    Url url;
    std::unique_ptr<net::ssl::context> tls;
    std::string target;  // holds the token: never logged

    mutable std::mutex mu;
    std::condition_variable cv;
    std::deque<Item> queue;  // Guarded by mu
    bool busy = false;       // Guarded by mu: a message is being delivered
    bool stopping = false;   // Guarded by mu
    TelegramStats stats;     // Guarded by mu
    std::optional<SteadyClock::time_point> last_warning;  // Guarded by mu
    std::uint64_t pending_suppressed = 0;                 // Guarded by mu
    std::optional<SteadyClock::time_point> last_send;     // sender thread only
    std::thread sender;

    /// Sleeps until `until` or stop; false when stopping.
    bool wait_until(SteadyClock::time_point until) {
        std::unique_lock lock(mu);
        return !cv.wait_until(lock, until, [&] { return stopping; });
    }

    void record_error(std::string message) {
        std::lock_guard lock(mu);
        stats.last_error = redact(message, config.credentials.token);
    }

    bool enqueue(Item item) {
        {
            std::lock_guard lock(mu);
            if (queue.size() >= config.queue_capacity) {
                auto victim = std::find_if(
                    queue.begin(), queue.end(), [](const Item& i) { return !i.critical; });
                if (!item.critical || victim == queue.end()) {
                    ++stats.dropped;
                    return false;
                }
                queue.erase(victim);
                ++stats.dropped;
            }
            queue.push_back(std::move(item));
        }
        cv.notify_all();
        return true;
    }

    std::string body(const std::string& text, bool plain) const {
        nlohmann::json j;
        j["chat_id"] = config.credentials.chat_id;
        j["text"] = text;
        if (!plain && !config.parse_mode.empty()) {
            j["parse_mode"] = config.parse_mode;
        }
        j["link_preview_options"] = {{"is_disabled", true}};
        return j.dump();
    }

    /// Delivers one chunk: pacing, 429, retries, give-up rules.
    void deliver(const std::string& text) {
        bool plain = config.parse_mode.empty();
        int attempts = 0;
        int floods = 0;
        Duration backoff = config.initial_backoff;
        while (true) {
            if (last_send) {
                if (!wait_until(*last_send + std::chrono::nanoseconds(config.min_interval.ns()))) {
                    return;
                }
            }
            last_send = SteadyClock::now();
            ++attempts;
            auto r = post(url, tls.get(), target, body(text, plain), config.http_timeout);
            std::optional<Duration> wait;
            if (!r) {
                record_error(r.error().message);
                wait = backoff;
            } else {
                nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
                const bool ok = !j.is_discarded() && j.is_object() && j.value("ok", false);
                if (ok && r->status == 200) {
                    std::lock_guard lock(mu);
                    ++stats.sent;
                    return;
                }
                const std::string description =
                    j.is_object() ? j.value("description", std::string()) : std::string();
                record_error(fmt::format("telegram: HTTP {}: {}", r->status, description));
                if (r->status == 429) {
                    double seconds = -1;
                    if (j.is_object() && j.contains("parameters") &&
                        j["parameters"].contains("retry_after") &&
                        j["parameters"]["retry_after"].is_number()) {
                        seconds = j["parameters"]["retry_after"].get<double>();
                    }
                    wait = seconds >= 0
                               ? Duration::from_ns(static_cast<std::int64_t>(seconds * 1e9))
                               : backoff;
                    --attempts;  // flood control is not a failure; bounded separately
                    if (++floods > 20) {
                        wait.reset();
                    }
                } else if (r->status >= 500) {
                    wait = backoff;
                } else if (r->status == 400 && !plain) {
                    plain = true;  // e.g. "can't parse entities": resend once as plain text
                    --attempts;
                    continue;
                }
            }
            if (!wait || attempts >= config.max_attempts) {
                std::lock_guard lock(mu);
                ++stats.failed;
                return;
            }
            {
                std::lock_guard lock(mu);
                ++stats.retries;
            }
            if (!wait_until(SteadyClock::now() + std::chrono::nanoseconds(wait->ns()))) {
                return;
            }
            if (!r || r->status != 429) {
                backoff = std::min(backoff + backoff, config.max_backoff);
            }
        }
    }

    void run() {
        while (true) {
            Item item;
            {
                std::unique_lock lock(mu);
                cv.wait(lock, [&] { return stopping || !queue.empty(); });
                if (stopping) {
                    return;
                }
                item = std::move(queue.front());
                queue.pop_front();
                busy = true;
            }
            for (const auto& chunk :
                 split_message(item.text, 4096, config.parse_mode == "MarkdownV2")) {
                deliver(chunk);
            }
            {
                std::lock_guard lock(mu);
                busy = false;
            }
            cv.notify_all();
        }
    }
};

TelegramNotifier::TelegramNotifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
    impl_->sender = std::thread([this] { impl_->run(); });
}

TelegramNotifier::~TelegramNotifier() {
    {
        std::lock_guard lock(impl_->mu);
        impl_->stopping = true;
    }
    impl_->cv.notify_all();
    impl_->sender.join();
}

Result<std::unique_ptr<TelegramNotifier>> TelegramNotifier::create(TelegramConfig config) {
    if (config.credentials.token.empty() || config.credentials.chat_id.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "telegram: bot token and chat id needed");
    }
    if (!config.parse_mode.empty() && config.parse_mode != "MarkdownV2" &&
        config.parse_mode != "HTML") {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "telegram parse_mode '{}': use MarkdownV2, HTML or none", config.parse_mode));
    }
    auto url = parse_url(config.api_base);
    if (!url) {
        return tl::unexpected(url.error());
    }
    auto impl = std::make_unique<Impl>();
    impl->url = std::move(*url);
    impl->target = fmt::format("{}/bot{}/sendMessage", impl->url.prefix, config.credentials.token);
    if (impl->url.tls) {
        try {
            impl->tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
            impl->tls->set_default_verify_paths();
            impl->tls->set_verify_mode(net::ssl::verify_peer);
        } catch (const std::exception& e) {
            return make_error(ErrorCode::kUnavailable, fmt::format("telegram TLS: {}", e.what()));
        }
    }
    impl->config = std::move(config);
    return std::unique_ptr<TelegramNotifier>(new TelegramNotifier(std::move(impl)));
}

void TelegramNotifier::notify(const model::AlertLogged& alert) {
    Impl& m = *impl_;
    std::string suffix;
    if (alert.level == model::AlertLevel::kWarning) {
        std::lock_guard lock(m.mu);
        const auto now = SteadyClock::now();
        if (m.last_warning &&
            now - *m.last_warning < std::chrono::nanoseconds(m.config.warning_interval.ns())) {
            ++m.stats.suppressed;
            ++m.pending_suppressed;
            return;
        }
        m.last_warning = now;
        if (m.pending_suppressed > 0) {
            suffix = fmt::format(" (+{} similar alerts suppressed)", m.pending_suppressed);
            m.pending_suppressed = 0;
        }
    }
    const std::string rest =
        fmt::format("{} {}{}", alert.ts_event.to_iso8601(), alert.message.view(), suffix);
    const std::string_view level = level_name(alert.level);
    std::string text;
    if (m.config.parse_mode == "MarkdownV2") {
        text = fmt::format("*{}* {}", level, escape_markdown_v2(rest));
    } else if (m.config.parse_mode == "HTML") {
        text = fmt::format("<b>{}</b> {}", level, escape_html(rest));
    } else {
        text = fmt::format("{} {}", level, rest);
    }
    m.enqueue(Impl::Item{std::move(text), alert.level == model::AlertLevel::kCritical});
}

bool TelegramNotifier::send(std::string text, bool critical) {
    return impl_->enqueue(Impl::Item{std::move(text), critical});
}

bool TelegramNotifier::flush(Duration timeout) {
    std::unique_lock lock(impl_->mu);
    return impl_->cv.wait_for(lock, std::chrono::nanoseconds(timeout.ns()), [&] {
        return impl_->queue.empty() && !impl_->busy;
    });
}

TelegramStats TelegramNotifier::stats() const {
    std::lock_guard lock(impl_->mu);
    return impl_->stats;
}

}  // namespace ats::notify
