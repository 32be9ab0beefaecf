// https:// and wss:// against the simulator's TLS server on 127.0.0.1, with self-signed
// certificates made here (OpenSSL C API, into a temporary directory). Nothing leaves the machine.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ats/binance/http_client.hpp"
#include "ats/binance/kline_feed.hpp"
#include "ats/binance/rest_client.hpp"
#include "ats/binance/ws_client.hpp"
#include "ats/core/clock.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/exchange_sim/exchange.hpp"
#include "ats/exchange_sim/http_server.hpp"

namespace ats::binance {
namespace {

namespace fs = std::filesystem;

constexpr const char* kKey = "tls-test-key-0123456789";
constexpr const char* kSecret = "tls-test-secret-abcdefghij";

/// Writes a self-signed P-256 certificate valid for `san` (e.g. "IP:127.0.0.1,DNS:localhost")
/// to DIR/NAME.pem and its key to DIR/NAME.key. Returns false on any OpenSSL failure.
bool write_self_signed(const fs::path& dir, const std::string& name, const std::string& san) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), &EVP_PKEY_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
    if (!key || !cert) {
        return false;
    }
    X509* x = cert.get();
    bool ok =
        X509_set_version(x, 2) == 1 &&
        ASN1_INTEGER_set(X509_get_serialNumber(x), std::random_device{}() & 0x7fffffff) == 1 &&
        X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr &&
        X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600) != nullptr &&
        X509_set_pubkey(x, key.get()) == 1;
    X509_NAME* subject = X509_get_subject_name(x);
    const std::string cn = "ats test " + name;
    ok = ok &&
         X509_NAME_add_entry_by_txt(
             subject,
             "CN",
             MBSTRING_ASC,
             reinterpret_cast<const unsigned char*>(cn.c_str()),
             -1,
             -1,
             0) == 1 &&
         X509_set_issuer_name(x, subject) == 1;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    for (const auto& [nid, value] :
         {std::pair<int, std::string>{NID_subject_alt_name, san},
          std::pair<int, std::string>{NID_basic_constraints, "critical,CA:TRUE"}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
        ok = ok && ext != nullptr && X509_add_ext(x, ext, -1) == 1;
        X509_EXTENSION_free(ext);
    }
    ok = ok && X509_sign(x, key.get(), EVP_sha256()) > 0;
    if (!ok) {
        return false;
    }
    FILE* pem = std::fopen((dir / (name + ".pem")).c_str(), "w");
    FILE* keyfile = std::fopen((dir / (name + ".key")).c_str(), "w");
    ok = pem != nullptr && keyfile != nullptr && PEM_write_X509(pem, x) == 1 &&
         PEM_write_PrivateKey(keyfile, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
    if (pem != nullptr) {
        std::fclose(pem);
    }
    if (keyfile != nullptr) {
        std::fclose(keyfile);
    }
    return ok;
}

class FixedClock final : public Clock {
public:
    explicit FixedClock(std::int64_t ms) : ns_(ms * 1'000'000) {}
    Timestamp now() const override { return Timestamp::from_unix_ns(ns_.load()); }
    void advance(Duration d) { ns_ += d.ns(); }

private:
    std::atomic<std::int64_t> ns_;
};

class TlsTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ =
            fs::temp_directory_path() / ("ats_tls_test_" + std::to_string(std::random_device{}()));
        fs::create_directories(dir_);
        ASSERT_TRUE(write_self_signed(dir_, "good", "IP:127.0.0.1,DNS:localhost"));
        ASSERT_TRUE(write_self_signed(dir_, "wrong", "DNS:wrong.example"));
        auto loaded = data::load_klines_csv(
            std::string(ATS_TEST_DATA_DIR) + "/BTCUSDT-1m-2024-12-02-positional.csv", {});
        ASSERT_TRUE(loaded) << loaded.error().to_string();
        auto spec = exchange_sim::make_symbol_spec("BTCUSDT");
        ASSERT_TRUE(spec);
        spec->interval = loaded->series.interval();
        for (std::size_t i = 0; i < loaded->series.size(); ++i) {
            spec->bars.push_back(loaded->series.bar(i));
        }
        exchange_sim::ExchangeConfig config;
        config.api_key = kKey;
        config.api_secret = kSecret;
        config.start_bar = 600;
        config.bar_period_ms = 1000;
        config.balances = {
            {"USDT", Money::from_units(1'000'000).raw()}, {"BTC", Qty::from_units(10).raw()}};
        auto exchange = exchange_sim::Exchange::create(config, {std::move(*spec)}, clock_);
        ASSERT_TRUE(exchange) << exchange.error().to_string();
        exchange_ = std::move(*exchange);
        plain_ = start_server({});
        tls_ = start_server(cert("good"));
        ASSERT_TRUE(plain_ && tls_);
    }

    void TearDown() override {
        for (auto* server : {plain_.get(), tls_.get()}) {
            if (server != nullptr) {
                server->stop();
            }
        }
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    exchange_sim::ServerTls cert(const std::string& name) const {
        return {(dir_ / (name + ".pem")).string(), (dir_ / (name + ".key")).string()};
    }

    std::unique_ptr<exchange_sim::HttpServer> start_server(const exchange_sim::ServerTls& tls) {
        auto* venue = exchange_.get();
        auto server = exchange_sim::HttpServer::start(
            "127.0.0.1",
            0,
            [venue](const exchange_sim::HttpRequest& r) { return venue->handle(r); },
            1,
            venue,
            tls);
        EXPECT_TRUE(server) << server.error().to_string();
        return server ? std::move(*server) : nullptr;
    }

    static std::string url(
        const std::string& scheme, const std::string& host, const exchange_sim::HttpServer& s) {
        return scheme + "://" + host + ":" + std::to_string(s.port());
    }

    TlsOptions trusted() const { return TlsOptions{cert("good").cert_file}; }

    RestClient rest(const std::string& base, const TlsOptions& tls) {
        RestConfig rc;
        rc.base_url = base;
        rc.api_key = kKey;
        rc.api_secret = kSecret;
        rc.tls = tls;
        rc.max_attempts = 1;
        auto made = RestClient::create(rc, clock_, [](Duration) {});
        EXPECT_TRUE(made) << made.error().to_string();
        return std::move(*made);
    }

    fs::path dir_;
    FixedClock clock_{1'767'225'600'000};
    std::unique_ptr<exchange_sim::Exchange> exchange_;
    std::unique_ptr<exchange_sim::HttpServer> plain_;
    std::unique_ptr<exchange_sim::HttpServer> tls_;
};

TEST_F(TlsTest, RestOverHttpsEqualsPlainHttp) {
    auto plain = rest(url("http", "127.0.0.1", *plain_), {});
    for (const std::string host : {"127.0.0.1", "localhost"}) {
        auto secure = rest(url("https", host, *tls_), trusted());
        auto t1 = plain.server_time_ms();
        auto t2 = secure.server_time_ms();
        ASSERT_TRUE(t1) << t1.error().to_string();
        ASSERT_TRUE(t2) << t2.error().to_string();
        EXPECT_EQ(*t1, *t2);  // the clock is frozen
        // Several requests on one keep-alive TLS connection, paged like a download.
        const std::int64_t start = 1'733'097'600'000;  // 2024-12-02 00:00 UTC, the file's start
        for (int page = 0; page < 3; ++page) {
            const std::int64_t from = start + page * 200 * 60'000;
            auto a = plain.klines("BTCUSDT", "1m", from, from + 199 * 60'000, 200);
            auto b = secure.klines("BTCUSDT", "1m", from, from + 199 * 60'000, 200);
            ASSERT_TRUE(a) << a.error().to_string();
            ASSERT_TRUE(b) << b.error().to_string();
            ASSERT_EQ(a->size(), 200U);
            EXPECT_EQ(*a, *b);
        }
        // Signed requests too.
        auto balances = secure.balances();
        ASSERT_TRUE(balances) << balances.error().to_string();
        EXPECT_FALSE(balances->empty());
    }
}

TEST_F(TlsTest, WssReceivesStreamMessages) {
    auto ws = WsClient::connect(
        url("wss", "127.0.0.1", *tls_) + "/stream?streams=btcusdt@trade/btcusdt@kline_1m",
        Duration::from_seconds(5),
        trusted());
    ASSERT_TRUE(ws) << ws.error().to_string();
    ASSERT_TRUE(ws->send(R"({"method":"LIST_SUBSCRIPTIONS","id":3})"));
    auto listed = ws->read(Duration::from_seconds(5));
    ASSERT_TRUE(listed) << listed.error().to_string();
    EXPECT_EQ(nlohmann::json::parse(*listed)["result"].size(), 2U);
    clock_.advance(Duration::from_ms(1000));
    auto secure = rest(url("https", "localhost", *tls_), trusted());
    NewOrder taker;
    taker.symbol = "BTCUSDT";
    taker.type = "MARKET";
    taker.quantity = *Qty::parse("0.01");
    ASSERT_TRUE(secure.place_order(taker));
    bool trade = false;
    bool kline = false;
    for (int i = 0; i < 50 && !(trade && kline); ++i) {
        auto message = ws->poll(Duration::from_ms(200));
        ASSERT_TRUE(message) << message.error().to_string();
        if (!*message) {
            continue;
        }
        const auto json = nlohmann::json::parse(**message);
        trade = trade || json["stream"] == "btcusdt@trade";
        kline = kline || json["stream"] == "btcusdt@kline_1m";
    }
    EXPECT_TRUE(trade);
    EXPECT_TRUE(kline);
    ws->close();
}

TEST_F(TlsTest, KlineFeedOverWssDeliversClosedBars) {
    auto secure = rest(url("https", "127.0.0.1", *tls_), trusted());
    KlineFeedConfig fc;
    fc.ws_base = url("wss", "127.0.0.1", *tls_);
    fc.tls = trusted();
    fc.symbols = {*Symbol::parse("BTCUSDT")};
    fc.read_timeout = Duration::from_seconds(5);
    KlineFeed feed(fc, secure);
    std::atomic<bool> stop{false};
    std::atomic<bool> done{false};
    // The replay moves one bar per 50 ms; after 10 s the watchdog stops the feed.
    std::thread replay([&] {
        for (int i = 0; i < 200 && !done.load(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            clock_.advance(Duration::from_ms(1000));
            exchange_->poll();
        }
        stop.store(true);
    });
    auto first = feed.next(&stop);
    auto second = feed.next(&stop);
    done.store(true);
    replay.join();
    ASSERT_TRUE(first) << first.error().to_string();
    ASSERT_TRUE(second) << second.error().to_string();
    ASSERT_TRUE(first->has_value());
    ASSERT_TRUE(second->has_value());
    EXPECT_EQ((*first)->symbol.to_string(), "BTCUSDT");
    EXPECT_EQ((*second)->bar.open_time - (*first)->bar.open_time, Duration::from_ms(60'000));
    EXPECT_EQ(feed.stats().connects, 1U);
    EXPECT_EQ(feed.stats().reconnects, 0U);
}

TEST_F(TlsTest, KlineFeedRotatesOldConnectionsWithoutLosingBars) {
    auto secure = rest(url("https", "127.0.0.1", *tls_), trusted());
    KlineFeedConfig fc;
    fc.ws_base = url("wss", "127.0.0.1", *tls_);
    fc.tls = trusted();
    fc.symbols = {*Symbol::parse("BTCUSDT")};
    fc.read_timeout = Duration::from_seconds(5);
    fc.max_connection_age = Duration::from_ms(250);  // Binance's 24 h, compressed
    KlineFeed feed(fc, secure);
    std::atomic<bool> stop{false};
    std::atomic<bool> done{false};
    std::thread replay([&] {
        for (int i = 0; i < 400 && !done.load(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(40));
            clock_.advance(Duration::from_ms(1000));
            exchange_->poll();
        }
        stop.store(true);
    });
    std::vector<Timestamp> opens;
    for (int i = 0; i < 25; ++i) {
        auto bar = feed.next(&stop);
        if (!bar || !bar->has_value()) {
            break;
        }
        opens.push_back((*bar)->bar.open_time);
    }
    done.store(true);
    replay.join();
    ASSERT_EQ(opens.size(), 25U);
    for (std::size_t i = 1; i < opens.size(); ++i) {
        EXPECT_EQ(opens[i] - opens[i - 1], Duration::from_ms(60'000))
            << i;  // none lost or repeated
    }
    EXPECT_GE(feed.stats().rotations, 2U);
    EXPECT_EQ(feed.stats().connects, feed.stats().rotations + 1);
    EXPECT_EQ(feed.stats().reconnects, 0U);
    EXPECT_EQ(feed.stats().missing, 0U);
}

TEST_F(TlsTest, UntrustedCertificateIsRefused) {
    // The system trust store alone does not know the simulator's self-signed certificate.
    auto client = HttpClient::create(url("https", "127.0.0.1", *tls_), Duration::from_seconds(5));
    ASSERT_TRUE(client) << client.error().to_string();
    auto reply = client->request("GET", "/api/v3/time", "", {});
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(reply.error().message.find("certificate verify failed"), std::string::npos)
        << reply.error().message;
    EXPECT_NE(reply.error().message.find("self-signed"), std::string::npos)
        << reply.error().message;
    auto ws = WsClient::connect(
        url("wss", "localhost", *tls_) + "/ws/btcusdt@trade", Duration::from_seconds(5));
    ASSERT_FALSE(ws);
    EXPECT_EQ(ws.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(ws.error().message.find("certificate verify failed"), std::string::npos)
        << ws.error().message;
    // A CA that did not sign it does not help either.
    auto other = HttpClient::create(
        url("https", "127.0.0.1", *tls_),
        Duration::from_seconds(5),
        TlsOptions{cert("wrong").cert_file});
    ASSERT_TRUE(other);
    auto refused = other->request("GET", "/api/v3/time", "", {});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("certificate verify failed"), std::string::npos)
        << refused.error().message;
    // Plain http to the TLS port and https to the plain port fail cleanly.
    auto mixed = HttpClient::create(url("http", "127.0.0.1", *tls_), Duration::from_seconds(2));
    ASSERT_TRUE(mixed);
    EXPECT_FALSE(mixed->request("GET", "/api/v3/time", "", {}));
    auto mixed2 = HttpClient::create(
        url("https", "127.0.0.1", *plain_), Duration::from_seconds(2), trusted());
    ASSERT_TRUE(mixed2);
    auto failed = mixed2->request("GET", "/api/v3/time", "", {});
    ASSERT_FALSE(failed);
    EXPECT_NE(failed.error().message.find("TLS handshake"), std::string::npos)
        << failed.error().message;
    // The server survived all of it.
    auto fine = rest(url("https", "127.0.0.1", *tls_), trusted()).server_time_ms();
    EXPECT_TRUE(fine) << fine.error().to_string();
}

TEST_F(TlsTest, WrongHostNameIsRefused) {
    // Trusted, but issued for wrong.example only.
    auto server = start_server(cert("wrong"));
    ASSERT_TRUE(server);
    const TlsOptions trust_it{cert("wrong").cert_file};
    auto by_ip =
        HttpClient::create(url("https", "127.0.0.1", *server), Duration::from_seconds(5), trust_it);
    ASSERT_TRUE(by_ip);
    auto reply = by_ip->request("GET", "/api/v3/time", "", {});
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(reply.error().message.find("IP address mismatch"), std::string::npos)
        << reply.error().message;
    auto by_name = WsClient::connect(
        url("wss", "localhost", *server) + "/ws/btcusdt@trade",
        Duration::from_seconds(5),
        trust_it);
    ASSERT_FALSE(by_name);
    EXPECT_EQ(by_name.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(by_name.error().message.find("hostname mismatch"), std::string::npos)
        << by_name.error().message;
    // Control: the same options reach a server whose certificate names the host.
    auto good = WsClient::connect(
        url("wss", "localhost", *tls_) + "/ws/btcusdt@trade", Duration::from_seconds(5), trusted());
    EXPECT_TRUE(good) << good.error().to_string();
    server->stop();
}

TEST_F(TlsTest, BadFilesAreErrors) {
    auto missing_ca = HttpClient::create(
        url("https", "127.0.0.1", *tls_),
        Duration::from_seconds(1),
        TlsOptions{(dir_ / "nope.pem").string()});
    ASSERT_FALSE(missing_ca);
    EXPECT_EQ(missing_ca.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(missing_ca.error().message.find("nope.pem"), std::string::npos);
    auto handler = [](const exchange_sim::HttpRequest&) {
        return exchange_sim::HttpResponse{};
    };
    auto no_key = exchange_sim::HttpServer::start(
        "127.0.0.1", 0, handler, 1, nullptr, {cert("good").cert_file, ""});
    ASSERT_FALSE(no_key);
    EXPECT_EQ(no_key.error().code, ErrorCode::kInvalidArgument);
    auto bad_cert = exchange_sim::HttpServer::start(
        "127.0.0.1", 0, handler, 1, nullptr, {(dir_ / "nope.pem").string(), cert("good").key_file});
    ASSERT_FALSE(bad_cert);
    EXPECT_EQ(bad_cert.error().code, ErrorCode::kInvalidArgument);
    auto mismatched = exchange_sim::HttpServer::start(
        "127.0.0.1", 0, handler, 1, nullptr, {cert("good").cert_file, cert("wrong").key_file});
    ASSERT_FALSE(mismatched);
    EXPECT_EQ(mismatched.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ats::binance
