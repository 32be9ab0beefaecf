#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>  // Boost 1.74's asio needs it first with GCC 12
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace ats::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr const char* kToken = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11";

/// A local stand-in for api.telegram.org on 127.0.0.1: checks the token, chat_id and text length
/// the way the Bot API does, records every request, and answers with scripted failures first.
class StubBotApi {
public:
    struct Request {
        std::string target;
        nlohmann::json body;
    };
    struct Reply {
        int status = 200;
        std::string body;
        std::chrono::milliseconds delay{0};
    };

    StubBotApi() : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this] { serve(); });
    }
    ~StubBotApi() {
        stop_ = true;
        try {
            // Wake the blocking accept.
            net::io_context ioc;
            tcp::socket s(ioc);
            s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
        } catch (const std::exception&) {
        }
        thread_.join();
    }

    std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
    void script(Reply r) {
        std::lock_guard lock(mu_);
        script_.push_back(std::move(r));
    }
    std::vector<Request> requests() const {
        std::lock_guard lock(mu_);
        return requests_;
    }

    static Reply flood(int seconds) {
        return Reply{
            429,
            R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after )" +
                std::to_string(seconds) + R"(","parameters":{"retry_after":)" +
                std::to_string(seconds) + "}}"};
    }

private:
    void serve() {
        int message_id = 0;
        while (!stop_) {
            tcp::socket socket(ioc_);
            beast::error_code ec;
            acceptor_.accept(socket, ec);
            if (ec || stop_) {
                continue;
            }
            beast::flat_buffer buffer;
            http::request<http::string_body> req;
            http::read(socket, buffer, req, ec);
            if (ec) {
                continue;
            }
            Request seen{
                std::string(req.target()), nlohmann::json::parse(req.body(), nullptr, false)};
            Reply reply;
            {
                std::lock_guard lock(mu_);
                requests_.push_back(seen);
                if (!script_.empty()) {
                    reply = script_.front();
                    script_.pop_front();
                }
            }
            if (reply.body.empty()) {
                const std::string expected = std::string("/bot") + kToken + "/sendMessage";
                const auto& b = seen.body;
                const std::string text =
                    b.is_object() && b.contains("text") ? b["text"].get<std::string>() : "";
                if (seen.target != expected) {
                    reply = {401, R"({"ok":false,"error_code":401,"description":"Unauthorized"})"};
                } else if (
                    !b.is_object() || !b.contains("chat_id") || text.empty() ||
                    text.size() > 4096 * 4) {
                    reply = {400, R"({"ok":false,"error_code":400,"description":"Bad Request"})"};
                } else {
                    reply.body = nlohmann::json{
                        {"ok", true},
                        {"result",
                         {{"message_id", ++message_id},
                          {"date", 1718000000},
                          {"chat", {{"id", b["chat_id"]}, {"type", "private"}}},
                          {"text",
                           text}}}}.dump();
                }
            }
            std::this_thread::sleep_for(reply.delay);
            http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
            res.set(http::field::content_type, "application/json");
            res.body() = reply.body;
            res.prepare_payload();
            http::write(socket, res, ec);
            socket.shutdown(tcp::socket::shutdown_both, ec);
        }
    }

    net::io_context ioc_;
    tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    mutable std::mutex mu_;
    std::deque<Reply> script_;       // Guarded by mu_
    std::vector<Request> requests_;  // Guarded by mu_
};

}  // namespace ats::testing
