#pragma once

// A real redis-server for tests, on a free 127.0.0.1 port, without persistence. Started and
// stopped (kill -TERM) by the test; restart() brings it back on the same port, empty.

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ats/redis/connection.hpp"

namespace ats::redis::testing {

inline int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

class RedisServer {
public:
    RedisServer() : port_(free_port()) { start(); }
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;
    ~RedisServer() { stop(); }

    Endpoint endpoint() const {
        Endpoint e;
        e.port = port_;
        return e;
    }
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
    bool running() const { return pid_ > 0; }

    void start() {
        pid_ = ::fork();
        if (pid_ == 0) {
            const std::string port = std::to_string(port_);
            ::execlp(
                "redis-server",
                "redis-server",
                "--port",
                port.c_str(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--loglevel",
                "warning",
                static_cast<char*>(nullptr));
            std::_Exit(127);
        }
        // Ready when it answers PING (a few milliseconds; give up after 5 s).
        for (int i = 0; i < 500; ++i) {
            auto c = Connection::connect(
                endpoint(), {std::chrono::milliseconds(100), std::chrono::milliseconds(500)});
            if (c && c->command({"PING"})) {
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    void stop() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            ::waitpid(pid_, &status, 0);
            pid_ = -1;
        }
    }

    void restart() {
        stop();
        start();
    }

private:
    int port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace ats::redis::testing
