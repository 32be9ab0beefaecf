#include "ats/runtime/session_status.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "ats/redis/connection.hpp"

namespace ats::runtime {
namespace {

using Json = nlohmann::json;

/// Writes `text` to `path` through a temporary file renamed over it; `durable` fsyncs first.
Status replace_file(const std::string& path, const std::string& text, bool durable) {
    const std::string tmp = fmt::format("{}.tmp{}", path, ::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return make_error(ErrorCode::kIo, fmt::format("cannot write {}", tmp));
    }
    std::size_t done = 0;
    while (done < text.size()) {
        const auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n <= 0) {
            ::close(fd);
            ::unlink(tmp.c_str());
            return make_error(ErrorCode::kIo, fmt::format("cannot write {}", tmp));
        }
        done += static_cast<std::size_t>(n);
    }
    if (durable && ::fsync(fd) != 0) {
        ::close(fd);
        ::unlink(tmp.c_str());
        return make_error(ErrorCode::kIo, fmt::format("cannot sync {}", tmp));
    }
    ::close(fd);
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return make_error(ErrorCode::kIo, fmt::format("cannot rename {} to {}", tmp, path));
    }
    return ok_status();
}

Result<std::string> slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return make_error(ErrorCode::kNotFound, fmt::format("{}: no such file", path));
    }
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

template <class T>
Json amounts(const std::map<std::string, T>& values) {
    Json out = Json::object();
    for (const auto& [k, v] : values) {
        out[k] = v.to_string();
    }
    return out;
}

}  // namespace

std::string status_path(const std::string& state_path) {
    return state_path + ".status.json";
}

std::string halt_path(const std::string& state_path) {
    return state_path + ".halt";
}

std::string to_json(const SessionStatus& s) {
    return Json{
        {"pid", s.pid},
        {"heartbeat_ms", s.heartbeat_ms},
        {"started_ms", s.started_ms},
        {"symbols", s.symbols},
        {"quote", s.quote},
        {"base_of", s.base_of},
        {"interval_ms", s.interval_ms},
        {"last_bar_ms", s.last_bar_ms},
        {"bars", s.bars},
        {"first_bar_open_ms", s.first_bar_open_ms},
        {"last_bar_open_ms", s.last_bar_open_ms},
        {"fills", s.fills},
        {"stopped", s.stopped},
        {"initial_cash", s.initial_cash.to_string()},
        {"cash", s.cash.to_string()},
        {"equity", s.equity.to_string()},
        {"peak_equity", s.peak_equity.to_string()},
        {"positions", amounts(s.positions)},
        {"held_at_start", amounts(s.held_at_start)}}
        .dump();
}

Result<SessionStatus> parse_session_status(const std::string& text) {
    const auto bad = [](std::string_view why) {
        return make_error(ErrorCode::kParse, fmt::format("session status: {}", why));
    };
    try {
        const auto j = Json::parse(text);
        SessionStatus s;
        s.pid = j.at("pid").get<std::int64_t>();
        s.heartbeat_ms = j.at("heartbeat_ms").get<std::int64_t>();
        s.started_ms = j.at("started_ms").get<std::int64_t>();
        s.symbols = j.at("symbols").get<std::vector<std::string>>();
        s.quote = j.at("quote").get<std::string>();
        s.base_of = j.at("base_of").get<std::map<std::string, std::string>>();
        s.interval_ms = j.at("interval_ms").get<std::int64_t>();
        s.last_bar_ms = j.at("last_bar_ms").get<std::int64_t>();
        s.bars = j.at("bars").get<std::uint64_t>();
        s.first_bar_open_ms = j.value("first_bar_open_ms", std::int64_t{0});
        s.last_bar_open_ms = j.value("last_bar_open_ms", std::int64_t{0});
        s.fills = j.value("fills", std::uint64_t{0});
        s.stopped = j.value("stopped", false);
        for (auto [key, out] :
             {std::pair{"initial_cash", &s.initial_cash},
              std::pair{"cash", &s.cash},
              std::pair{"equity", &s.equity},
              std::pair{"peak_equity", &s.peak_equity}}) {
            auto value = Money::parse(j.at(key).get<std::string>());
            if (!value) {
                return bad(fmt::format("bad {}", key));
            }
            *out = *value;
        }
        for (auto [key, out] :
             {std::pair{"positions", &s.positions}, std::pair{"held_at_start", &s.held_at_start}}) {
            for (const auto& [asset, amount] : j.at(key).items()) {
                auto value = Qty::parse(amount.get<std::string>());
                if (!value) {
                    return bad(fmt::format("bad {} of {}", key, asset));
                }
                (*out)[asset] = *value;
            }
        }
        return s;
    } catch (const std::exception& e) {
        return bad(e.what());
    }
}

Status write_session_status(const std::string& state_path, const SessionStatus& status) {
    return replace_file(status_path(state_path), to_json(status), false);
}

Result<SessionStatus> read_session_status(const std::string& state_path) {
    auto text = slurp(status_path(state_path));
    if (!text) {
        return tl::unexpected(text.error());
    }
    return parse_session_status(*text);
}

std::string to_json(const HaltMark& mark) {
    return Json{{"at_ms", mark.at_ms}, {"by", mark.by}, {"reason", mark.reason}}.dump();
}

Result<HaltMark> parse_halt(const std::string& text) {
    try {
        const auto j = Json::parse(text);
        return HaltMark{
            j.at("at_ms").get<std::int64_t>(),
            j.at("by").get<std::string>(),
            j.at("reason").get<std::string>()};
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, fmt::format("halt mark: {}", e.what()));
    }
}

Status write_halt(const std::string& state_path, const HaltMark& mark) {
    return replace_file(halt_path(state_path), to_json(mark), true);
}

Result<std::optional<HaltMark>> read_halt(const std::string& state_path) {
    auto text = slurp(halt_path(state_path));
    if (!text) {
        return std::optional<HaltMark>{};
    }
    auto mark = parse_halt(*text);
    if (!mark) {
        return make_error(
            ErrorCode::kParse, fmt::format("{}: {}", halt_path(state_path), mark.error().message));
    }
    return std::optional<HaltMark>(std::move(*mark));
}

struct RedisWindow::Impl {
    redis::Endpoint endpoint;
    std::string key;
    std::optional<redis::Connection> connection;
    std::chrono::steady_clock::time_point retry_at{};

    Result<redis::Reply> run(const std::vector<std::string>& args) {
        const auto now = std::chrono::steady_clock::now();
        if (!connection || connection->broken()) {
            connection.reset();
            if (now < retry_at) {
                return make_error(
                    ErrorCode::kUnavailable,
                    fmt::format("redis {}: down, retried every 5 s", endpoint.to_string()));
            }
            redis::Connection::Options options;
            options.connect_timeout = std::chrono::milliseconds(300);
            options.command_timeout = std::chrono::milliseconds(300);
            auto made = redis::Connection::connect(endpoint, options);
            if (!made) {
                retry_at = now + std::chrono::seconds(5);
                return tl::unexpected(made.error());
            }
            connection.emplace(std::move(*made));
        }
        auto reply = connection->command(args);
        if (!reply && connection->broken()) {
            retry_at = now + std::chrono::seconds(5);
        }
        return reply;
    }
};

Result<RedisWindow> RedisWindow::create(const std::string& url, std::string key) {
    auto endpoint = redis::Endpoint::parse(url);
    if (!endpoint) {
        return tl::unexpected(endpoint.error());
    }
    if (key.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "redis window: empty key");
    }
    auto impl = std::make_unique<Impl>();
    impl->endpoint = std::move(*endpoint);
    impl->key = std::move(key);
    return RedisWindow(std::move(impl));
}

RedisWindow::RedisWindow(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RedisWindow::RedisWindow(RedisWindow&&) noexcept = default;
RedisWindow& RedisWindow::operator=(RedisWindow&&) noexcept = default;
RedisWindow::~RedisWindow() = default;

const std::string& RedisWindow::key() const noexcept {
    return impl_->key;
}

Status RedisWindow::publish(const SessionStatus& status) {
    auto reply = impl_->run({"SET", impl_->key + ":status", to_json(status)});
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    return ok_status();
}

Result<SessionStatus> RedisWindow::read_status() {
    auto reply = impl_->run({"GET", impl_->key + ":status"});
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    if (reply->type != redis::Reply::Type::kString) {
        return make_error(ErrorCode::kNotFound, fmt::format("redis: no {}:status", impl_->key));
    }
    return parse_session_status(reply->str);
}

Status RedisWindow::write_halt(const HaltMark& mark) {
    auto reply = impl_->run({"SET", impl_->key + ":halt", to_json(mark)});
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    return ok_status();
}

Result<std::optional<HaltMark>> RedisWindow::read_halt() {
    auto reply = impl_->run({"GET", impl_->key + ":halt"});
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    if (reply->type != redis::Reply::Type::kString) {
        return std::optional<HaltMark>{};
    }
    auto mark = parse_halt(reply->str);
    if (!mark) {
        return tl::unexpected(mark.error());
    }
    return std::optional<HaltMark>(std::move(*mark));
}

}  // namespace ats::runtime
