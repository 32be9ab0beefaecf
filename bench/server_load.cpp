// Load tests of `ats serve`'s server over real sockets on 127.0.0.1 (a bounded local load
// generator on Boost.Beast, in this process):
//   server_load status [CONNECTIONS] [SECONDS] [RATE]
//                                                keep-alive GET /api/v1/status from N connections,
//                                                closed loop or open loop at RATE requests/s in
//                                                total: requests/s, p50/p99/max latency
//   server_load fanout DATA_FILE [RATE]          10 WebSocket clients follow the hub while it
//                                                publishes RATE messages/s (0: as fast as it can);
//                                                deliveries/s and drops; a paper session replaying
//                                                DATA_FILE at max speed, timed with and without it
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include "ats/server/api.hpp"
#include "ats/server/auth.hpp"
#include "ats/server/hub.hpp"
#include "ats/server/session_host.hpp"
#include "ats/server/web_server.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

struct Setup {
    fs::path dir;
    std::unique_ptr<ats::server::Api> api;
    std::unique_ptr<ats::server::WebServer> web;
    std::string token;

    explicit Setup(const std::string& data_file) {
        dir = fs::temp_directory_path() / "ats_server_load";
        fs::remove_all(dir);
        fs::create_directories(dir / "data");
        if (!data_file.empty()) {
            fs::copy_file(data_file, dir / "data" / fs::path(data_file).filename());
        }
        ats::server::ServerOptions o;
        o.db_path = (dir / "ats.db").string();
        o.data_dirs = {(dir / "data").string()};
        o.sessions_dir = (dir / "sessions").string();
        o.jobs_dir = (dir / "jobs").string();
        o.resume_sessions = false;
        api = std::move(*ats::server::Api::create(o));
        (void)api->auth().add_user("load", "load-pass-1", ats::server::Role::kTrader);
        const auto now =
            ats::Timestamp::from_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
        token = api->auth().login("load", "load-pass-1", "127.0.0.1", now)->access_token;
        ats::server::WebServerOptions w;
        w.port = 0;
        w.threads = std::getenv("ATS_LOAD_SERVER_THREADS")
                        ? std::atoi(std::getenv("ATS_LOAD_SERVER_THREADS"))
                        : 2;
        w.ws_queue_limit = 4096;
        auto* a = api.get();
        web = std::move(*ats::server::WebServer::start(
            w, [a](ats::server::Request& r) { return a->handle(r); }, a->ws_accept()));
    }
    ~Setup() {
        web.reset();
        api.reset();
        fs::remove_all(dir);
    }
};

// ----- /status from many keep-alive connections -----
struct StatusConn : std::enable_shared_from_this<StatusConn> {
    beast::tcp_stream stream;
    http::request<http::empty_body> req;
    http::response<http::string_body> res;
    beast::flat_buffer buffer;
    Clock::time_point sent;  // open loop: when the request was due (no coordinated omission)
    Clock::time_point deadline;
    Clock::time_point warm;
    Clock::time_point actual;  // when the request was written
    std::vector<double>* service = nullptr;
    Clock::duration interval{};  // zero: closed loop (next request as soon as the reply came)
    asio::steady_timer timer;
    std::vector<double>* latencies;
    std::size_t* errors;

    StatusConn(
        asio::io_context& io, const std::string& token, std::vector<double>* out, std::size_t* err)
        : stream(io), timer(io), latencies(out), errors(err) {
        req.method(http::verb::get);
        req.target(
            std::getenv("ATS_LOAD_TARGET") ? std::getenv("ATS_LOAD_TARGET") : "/api/v1/status");
        req.version(11);
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::authorization, "Bearer " + token);
        req.keep_alive(true);
    }
    void start(
        const tcp::endpoint& ep,
        Clock::time_point end,
        Clock::duration every,
        Clock::duration offset) {
        deadline = end;
        warm = Clock::now() + std::chrono::seconds(1);
        interval = every;
        sent = Clock::now() + offset;
        stream.async_connect(ep, [self = shared_from_this()](beast::error_code ec) {
            if (ec) {
                ++*self->errors;
                return;
            }
            self->stream.socket().set_option(tcp::no_delay(true), ec);
            self->schedule();
        });
    }
    void schedule() {
        if (interval == Clock::duration::zero()) {
            sent = Clock::now();
            send();
            return;
        }
        timer.expires_at(sent);
        timer.async_wait([self = shared_from_this()](beast::error_code) { self->send(); });
    }
    void send() {
        actual = Clock::now();
        http::async_write(
            stream, req, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec) {
                    ++*self->errors;
                    return;
                }
                self->res = {};
                http::async_read(
                    self->stream,
                    self->buffer,
                    self->res,
                    [self](beast::error_code ec2, std::size_t) { self->on_read(ec2); });
            });
    }
    void on_read(beast::error_code ec) {
        const auto now = Clock::now();
        if (ec || res.result_int() != 200) {
            ++*errors;
            return;
        }
        if (sent >= warm) {  // the first second (connections opening) is warm-up
            latencies->push_back(std::chrono::duration<double, std::micro>(now - sent).count());
            service->push_back(std::chrono::duration<double, std::micro>(now - actual).count());
        }
        if (now < deadline) {
            sent += interval;
            schedule();
        } else {
            beast::error_code ignored;
            stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        }
    }
};

int run_status(int connections, double seconds, double rate) {
    Setup s("");
    asio::io_context io;  // one client thread: the server keeps its two
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), s.web->port());
    std::vector<double> latencies;
    std::vector<double> service;  // from the write of the request (without the client's own delay)
    latencies.reserve(2'000'000);
    service.reserve(2'000'000);
    std::size_t errors = 0;
    const auto start = Clock::now();
    const auto end =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    // Open loop at `rate` requests/s in total (each connection every connections/rate s,
    // staggered), or closed loop when rate is 0.
    const auto every = rate > 0 ? std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(connections / rate))
                                : Clock::duration::zero();
    for (int i = 0; i < connections; ++i) {
        auto c = std::make_shared<StatusConn>(io, s.token, &latencies, &errors);
        c->service = &service;
        c->start(ep, end, every, every * i / connections + std::chrono::milliseconds(200));
    }
    io.run();
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count() - 1.0;
    std::sort(latencies.begin(), latencies.end());
    std::sort(service.begin(), service.end());
    const auto pct_of = [](const std::vector<double>& v, double p) {
        return v.empty() ? 0.0
                         : v[std::min(
                               v.size() - 1,
                               static_cast<std::size_t>(p * static_cast<double>(v.size())))];
    };
    const auto pct = [&](double p) {
        return pct_of(latencies, p);
    };
    std::printf(
        "status: %d connections, %s, %.1f s: %zu requests (%.0f/s), errors %zu; latency p50 %.0f "
        "us, "
        "p90 %.0f us, p99 %.0f us, max %.0f us\n",
        connections,
        rate > 0 ? fmt::format("open loop at {:.0f}/s", rate).c_str() : "closed loop",
        elapsed,
        latencies.size(),
        static_cast<double>(latencies.size()) / elapsed,
        errors,
        pct(0.5),
        pct(0.9),
        pct(0.99),
        latencies.empty() ? 0.0 : latencies.back());
    std::printf(
        "        from the request's write (without the client's own scheduling delay): p50 %.0f "
        "us, "
        "p99 %.0f us\n",
        pct_of(service, 0.5),
        pct_of(service, 0.99));
    return errors == 0 ? 0 : 1;
}

// ----- WebSocket fan-out -----
struct WsConn : std::enable_shared_from_this<WsConn> {
    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buffer;
    std::string token;
    std::atomic<std::uint64_t> ticks{0};
    std::atomic<bool> ready{false};

    WsConn(asio::io_context& io, std::string t) : ws(io), token(std::move(t)) {}
    void start(const tcp::endpoint& ep) {
        beast::get_lowest_layer(ws).async_connect(
            ep, [self = shared_from_this()](beast::error_code ec) {
                if (ec) {
                    return;
                }
                self->ws.async_handshake("127.0.0.1", "/api/v1/ws", [self](beast::error_code ec2) {
                    if (ec2) {
                        return;
                    }
                    self->write(Json{{"type", "auth"}, {"token", self->token}}.dump(), [self] {
                        self->write(
                            Json{{"type", "subscribe"}, {"session", "bench"}, {"topics", {"tick"}}}
                                .dump(),
                            [self] { self->read(); });
                    });
                });
            });
    }
    template <typename F>
    void write(std::string text, F then) {
        auto msg = std::make_shared<std::string>(std::move(text));
        ws.async_write(
            asio::buffer(*msg),
            [self = shared_from_this(), msg, then](beast::error_code ec, std::size_t) {
                if (!ec) {
                    then();
                }
            });
    }
    void read() {
        ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) {
                return;
            }
            const auto data = beast::buffers_to_string(self->buffer.data());
            self->buffer.consume(self->buffer.size());
            if (data.find(R"("topic":"tick")") != std::string::npos) {
                ++self->ticks;
            } else if (data.find(R"("topic":"snapshot")") != std::string::npos) {
                self->ready = true;
            }
            self->read();
        });
    }
};

/// Seconds a paper session takes to replay the data file at max speed.
double time_session(Setup& s, const std::string& file) {
    ats::server::Request r;
    r.method = "POST";
    r.target = "/api/v1/sessions";
    r.headers["authorization"] = "Bearer " + s.token;
    r.body = Json{
        {"mode", "paper"},
        {"assets", {"BTCUSDT"}},
        {"feed", "replay:" + file},
        {"speed",
         "max"}}.dump();
    r.parse_target();
    const auto t0 = Clock::now();
    auto res = s.api->handle(r);
    if (res.status != 200) {
        std::fprintf(stderr, "session: %s\n", res.body.c_str());
        return -1;
    }
    const auto id = Json::parse(res.body)["id"].get<std::string>();
    while (true) {
        auto v = s.api->sessions().view(id, "summary");
        if (v && Json::parse(*v).value("status", "") == "finished") {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

int run_fanout(const std::string& data_file, double rate) {
    Setup s(data_file);
    const std::string file = (s.dir / "data" / fs::path(data_file).filename()).string();
    // Baseline: the session alone (twice, the second timed).
    (void)time_session(s, file);
    const double alone = time_session(s, file);

    asio::io_context io;
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), s.web->port());
    std::vector<std::shared_ptr<WsConn>> clients;
    for (int i = 0; i < 10; ++i) {
        clients.push_back(std::make_shared<WsConn>(io, s.token));
        clients.back()->start(ep);
    }
    std::thread client_thread([&] {
        // ATS_LOAD_CLIENT_NICE: the clients stand for browsers on other machines.
        if (const char* n = std::getenv("ATS_LOAD_CLIENT_NICE")) {
            if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), std::atoi(n)) != 0) {
                std::perror("setpriority");
            }
        }
        io.run();
    });
    s.api->hub().publish("bench", "tick", "{}");  // makes the session known for snapshots
    while (!std::all_of(clients.begin(), clients.end(), [](auto& c) { return c->ready.load(); })) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const std::string data =
        R"({"order_id":"paper-123","symbol":"BTCUSDT","side":"BUY","qty":"0.10358329","price":"96444.22","fee":"9.99000961","maker":false,"time_ms":1733010180000})";
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> published{0};
    const auto before = s.api->hub().stats();
    std::thread publisher([&] {
        const auto t0 = Clock::now();
        while (!stop) {
            if (rate > 0) {
                const auto due =
                    t0 + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(static_cast<double>(published) / rate));
                if (Clock::now() < due) {
                    std::this_thread::sleep_until(due);
                    continue;
                }
            }
            s.api->hub().publish("bench", "tick", data);
            ++published;
        }
    });
    std::uint64_t received0 = 0;
    for (auto& c : clients) {
        received0 += c->ticks;
    }
    const auto t0 = Clock::now();
    const double with_load = time_session(s, file);
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    std::uint64_t received = 0;
    for (auto& c : clients) {
        received += c->ticks;
    }
    stop = true;
    publisher.join();
    const auto after = s.api->hub().stats();
    std::printf(
        "fanout: 10 clients, target %s msg/s: published %.0f msg/s, delivered %.0f msg/s in total "
        "(%.0f "
        "per client), dropped %llu, snapshots %llu\n",
        rate > 0 ? fmt::format("{:.0f}", rate).c_str() : "max",
        static_cast<double>(published) / elapsed,
        static_cast<double>(received - received0) / elapsed,
        static_cast<double>(received - received0) / elapsed / 10.0,
        static_cast<unsigned long long>(after.dropped - before.dropped),
        static_cast<unsigned long long>(after.snapshots - before.snapshots));
    std::printf(
        "paper session (%s at max speed): alone %.3f s, with the fan-out %.3f s (%+.1f%%)\n",
        fs::path(data_file).filename().c_str(),
        alone,
        with_load,
        100.0 * (with_load / alone - 1.0));
    for (auto& c : clients) {
        beast::error_code ignored;
        beast::get_lowest_layer(c->ws).socket().close(ignored);
    }
    io.stop();
    client_thread.join();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "status") {
        return run_status(
            argc > 2 ? std::atoi(argv[2]) : 200,
            argc > 3 ? std::atof(argv[3]) : 5.0,
            argc > 4 ? std::atof(argv[4]) : 0.0);
    }
    if (mode == "fanout" && argc > 2) {
        return run_fanout(argv[2], argc > 3 ? std::atof(argv[3]) : 5000.0);
    }
    std::fprintf(
        stderr,
        "usage: server_load status [CONNECTIONS] [SECONDS] [RATE] | fanout DATA_FILE [RATE]\n");
    return 2;
}
