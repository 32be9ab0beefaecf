#include "ats/redis/connection.hpp"

#include <charconv>

#include <fmt/format.h>
#include <hiredis/hiredis.h>

namespace ats::redis {
namespace {

struct ContextDeleter {
    void operator()(redisContext* c) const noexcept { redisFree(c); }
};
struct ReplyDeleter {
    void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

timeval to_timeval(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
    tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
    return tv;
}

Reply copy(const redisReply& r) {
    Reply out;
    switch (r.type) {
        case REDIS_REPLY_STRING:
            out.type = Reply::Type::kString;
            out.str.assign(r.str, r.len);
            break;
        case REDIS_REPLY_STATUS:
            out.type = Reply::Type::kStatus;
            out.str.assign(r.str, r.len);
            break;
        case REDIS_REPLY_ERROR:
            out.type = Reply::Type::kError;
            out.str.assign(r.str, r.len);
            break;
        case REDIS_REPLY_INTEGER:
            out.type = Reply::Type::kInteger;
            out.integer = r.integer;
            break;
        case REDIS_REPLY_ARRAY:
            out.type = Reply::Type::kArray;
            out.elements.reserve(r.elements);
            for (std::size_t i = 0; i < r.elements; ++i) {
                out.elements.push_back(copy(*r.element[i]));
            }
            break;
        default:
            out.type = Reply::Type::kNil;
    }
    return out;
}

bool parse_int(std::string_view s, int& out) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Result<Endpoint> Endpoint::parse(std::string_view url) {
    Endpoint e;
    const auto bad = [&](const char* why) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("redis URL '{}': {} (use redis://[:password@]host[:port][/db])", url, why));
    };
    constexpr std::string_view kScheme = "redis://";
    if (url.substr(0, kScheme.size()) != kScheme) {
        return bad("it must start with redis://");
    }
    std::string_view rest = url.substr(kScheme.size());
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
        std::string_view auth = rest.substr(0, at);
        if (const auto colon = auth.find(':'); colon != std::string_view::npos) {
            auth = auth.substr(colon + 1);
        }
        e.password = std::string(auth);
        rest = rest.substr(at + 1);
    }
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
        const std::string_view db = rest.substr(slash + 1);
        if (!db.empty() && (!parse_int(db, e.db) || e.db < 0)) {
            return bad("the database is not a number");
        }
        rest = rest.substr(0, slash);
    }
    if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        if (!parse_int(rest.substr(colon + 1), e.port) || e.port <= 0 || e.port > 65535) {
            return bad("the port is not in 1..65535");
        }
        rest = rest.substr(0, colon);
    }
    if (!rest.empty()) {
        e.host = std::string(rest);
    }
    return e;
}

std::string Endpoint::to_string() const {
    return fmt::format("redis://{}:{}/{}", host, port, db);
}

struct Connection::Impl {
    Endpoint endpoint;
    std::unique_ptr<redisContext, ContextDeleter> context;
    bool broken = false;

    Error transport_error(const char* what) {
        broken = true;
        const char* detail = context && context->err != 0 ? context->errstr : "connection lost";
        return Error{
            ErrorCode::kUnavailable,
            fmt::format("redis {}: {}: {}", endpoint.to_string(), what, detail)};
    }
};

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

Result<Connection> Connection::connect(const Endpoint& endpoint, const Options& options) {
    auto impl = std::make_unique<Impl>();
    impl->endpoint = endpoint;
    impl->context.reset(redisConnectWithTimeout(
        endpoint.host.c_str(), endpoint.port, to_timeval(options.connect_timeout)));
    if (!impl->context) {
        return make_error(
            ErrorCode::kUnavailable, fmt::format("redis {}: out of memory", endpoint.to_string()));
    }
    if (impl->context->err != 0) {
        return tl::unexpected(impl->transport_error("cannot connect"));
    }
    if (redisSetTimeout(impl->context.get(), to_timeval(options.command_timeout)) != REDIS_OK) {
        return tl::unexpected(impl->transport_error("cannot set the timeout"));
    }
    redisEnableKeepAlive(impl->context.get());
    Connection c(std::move(impl));
    if (!endpoint.password.empty()) {
        if (auto r = c.command({"AUTH", endpoint.password}); !r) {
            return tl::unexpected(r.error());
        }
    }
    if (endpoint.db != 0) {
        if (auto r = c.command({"SELECT", std::to_string(endpoint.db)}); !r) {
            return tl::unexpected(r.error());
        }
    }
    return c;
}

Result<Reply> Connection::command(const std::vector<std::string>& args) {
    if (auto s = append(args); !s) {
        return tl::unexpected(s.error());
    }
    return get_reply();
}

Status Connection::append(const std::vector<std::string>& args) {
    if (impl_->broken) {
        return tl::unexpected(impl_->transport_error("broken connection"));
    }
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const auto& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(
            impl_->context.get(), static_cast<int>(args.size()), argv.data(), lens.data()) !=
        REDIS_OK) {
        return tl::unexpected(impl_->transport_error("cannot send"));
    }
    return ok_status();
}

Result<Reply> Connection::get_reply() {
    if (impl_->broken) {
        return tl::unexpected(impl_->transport_error("broken connection"));
    }
    void* raw = nullptr;
    if (redisGetReply(impl_->context.get(), &raw) != REDIS_OK || raw == nullptr) {
        return tl::unexpected(impl_->transport_error("no reply"));
    }
    const ReplyPtr reply(static_cast<redisReply*>(raw));
    Reply out = copy(*reply);
    if (out.is_error()) {
        return make_error(
            ErrorCode::kRejected,
            fmt::format("redis {}: {}", impl_->endpoint.to_string(), out.str));
    }
    return out;
}

Status Connection::append_formatted(std::string_view resp) {
    if (impl_->broken) {
        return tl::unexpected(impl_->transport_error("broken connection"));
    }
    if (redisAppendFormattedCommand(impl_->context.get(), resp.data(), resp.size()) != REDIS_OK) {
        return tl::unexpected(impl_->transport_error("cannot send"));
    }
    return ok_status();
}

void RespWriter::command(std::size_t args) {
    fmt::format_to(std::back_inserter(out_), "*{}\r\n", args);
    ++commands_;
}

void RespWriter::arg(std::string_view value) {
    fmt::format_to(std::back_inserter(out_), "${}\r\n", value.size());
    out_.append(value);
    out_ += "\r\n";
}

void RespWriter::arg(std::int64_t value) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    arg(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

Status Connection::set_timeout(std::chrono::milliseconds timeout) {
    if (redisSetTimeout(impl_->context.get(), to_timeval(timeout)) != REDIS_OK) {
        return tl::unexpected(impl_->transport_error("cannot set the timeout"));
    }
    return ok_status();
}

bool Connection::broken() const noexcept {
    return impl_->broken;
}

const Endpoint& Connection::endpoint() const noexcept {
    return impl_->endpoint;
}

}  // namespace ats::redis
