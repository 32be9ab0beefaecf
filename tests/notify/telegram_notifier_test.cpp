#include "ats/notify/telegram_notifier.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <utility>  // Boost 1.74's asio needs it first with GCC 12
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "stub_bot_api.hpp"

namespace ats::notify {
namespace {

using testing::kToken;
using testing::StubBotApi;

TelegramConfig config_for(const StubBotApi& api) {
    TelegramConfig c;
    c.credentials = {kToken, "987654321"};
    c.api_base = api.base();
    c.min_interval = Duration::from_ms(0);
    c.initial_backoff = Duration::from_ms(20);
    c.http_timeout = Duration::from_seconds(5);
    return c;
}

model::AlertLogged alert(model::AlertLevel level, const char* text) {
    const Timestamp t = *Timestamp::parse_iso8601("2024-06-01T12:00:00Z");
    return model::AlertLogged{t, t, level, model::Text(text)};
}

TEST(TelegramFormatTest, EscapesMarkdownV2AndHtml) {
    EXPECT_EQ(
        escape_markdown_v2("BTC-USDT fell 1.5% (stop)!"), R"(BTC\-USDT fell 1\.5% \(stop\)\!)");
    EXPECT_EQ(
        escape_markdown_v2(R"(a_b*c[d]e~f`g>h#i+j=k|l{m}n\o)"),
        R"(a\_b\*c\[d\]e\~f\`g\>h\#i\+j\=k\|l\{m\}n\\o)");
    EXPECT_EQ(escape_html(R"(<b> & "x" >)"), "&lt;b&gt; &amp; &quot;x&quot; &gt;");
}

TEST(TelegramFormatTest, SplitsAt4096Utf16UnitsOnNewlinesAndNeverInsideCharacters) {
    const auto plain = split_message(std::string(10'000, 'a'));
    ASSERT_EQ(plain.size(), 3U);
    EXPECT_EQ(plain[0].size(), 4096U);
    EXPECT_EQ(plain[2].size(), 10'000U - 8192U);

    const std::string lines = std::string(3000, 'x') + "\n" + std::string(3000, 'y');
    const auto by_line = split_message(lines);
    ASSERT_EQ(by_line.size(), 2U);
    EXPECT_EQ(by_line[0], std::string(3000, 'x') + "\n");

    // An emoji is 4 UTF-8 bytes and 2 UTF-16 units: it does not fit in the last unit.
    const std::string emoji = std::string(4095, 'a') + "\xF0\x9F\x98\x80" + "b";
    const auto e = split_message(emoji);
    ASSERT_EQ(e.size(), 2U);
    EXPECT_EQ(e[0], std::string(4095, 'a'));
    EXPECT_EQ(
        e[1],
        "\xF0\x9F\x98\x80"
        "b");

    // A MarkdownV2 escape stays with its character.
    const std::string md = std::string(4095, 'a') + "\\.";
    const auto m = split_message(md, 4096, true);
    ASSERT_EQ(m.size(), 2U);
    EXPECT_EQ(m[1], "\\.");
}

TEST(TelegramFormatTest, RedactsTheToken) {
    EXPECT_EQ(
        redact(std::string("GET /bot") + kToken + "/getMe", kToken), "GET /bot<redacted>/getMe");
}

TEST(TelegramCredentialsTest, FromEnvironmentOrAnOwnerOnlyFile) {
    ::setenv("ATS_TELEGRAM_BOT_TOKEN", kToken, 1);
    ::setenv("ATS_TELEGRAM_CHAT_ID", "-1001234567890", 1);
    auto env = load_telegram_credentials(std::nullopt);
    ASSERT_TRUE(env);
    EXPECT_EQ(env->token, kToken);
    EXPECT_EQ(env->chat_id, "-1001234567890");
    ::unsetenv("ATS_TELEGRAM_BOT_TOKEN");
    ::unsetenv("ATS_TELEGRAM_CHAT_ID");

    const auto path = std::filesystem::temp_directory_path() /
                      ("ats_telegram_" + std::to_string(::getpid()) + ".conf");
    std::ofstream(path) << "# alerts bot\nbot_token=" << kToken << "\nchat_id=42\n";
    ::chmod(path.c_str(), 0644);
    auto open_file = load_telegram_credentials(path.string());
    ASSERT_FALSE(open_file);
    EXPECT_EQ(open_file.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(open_file.error().message.find(kToken), std::string::npos);
    ::chmod(path.c_str(), 0600);
    auto file = load_telegram_credentials(path.string());
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(file->token, kToken);
    EXPECT_EQ(file->chat_id, "42");
    std::ofstream(path) << "bot_token " << kToken << "\n";
    auto bad = load_telegram_credentials(path.string());
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message.find(kToken), std::string::npos) << bad.error().message;
    std::filesystem::remove(path);
    EXPECT_FALSE(load_telegram_credentials(std::nullopt));
}

TEST(TelegramNotifierTest, DeliversAnAlertToTheBotApi) {
    StubBotApi api;
    auto n = TelegramNotifier::create(config_for(api));
    ASSERT_TRUE(n) << n.error().message;
    (*n)->notify(alert(model::AlertLevel::kCritical, "kill switch: drawdown 10.2%"));
    ASSERT_TRUE((*n)->flush(Duration::from_seconds(10)));
    const auto reqs = api.requests();
    ASSERT_EQ(reqs.size(), 1U);
    EXPECT_EQ(reqs[0].target, std::string("/bot") + kToken + "/sendMessage");
    EXPECT_EQ(reqs[0].body["chat_id"], "987654321");
    EXPECT_EQ(reqs[0].body["text"], "CRITICAL 2024-06-01T12:00:00Z kill switch: drawdown 10.2%");
    EXPECT_FALSE(reqs[0].body.contains("parse_mode"));
    EXPECT_EQ((*n)->stats().sent, 1U);
    EXPECT_EQ((*n)->stats().failed, 0U);
}

TEST(TelegramNotifierTest, MarkdownV2AlertsAreEscaped) {
    StubBotApi api;
    auto c = config_for(api);
    c.parse_mode = "MarkdownV2";
    auto n = TelegramNotifier::create(c);
    ASSERT_TRUE(n);
    (*n)->notify(alert(model::AlertLevel::kInfo, "BTCUSDT filled 0.5 @ 61000.5"));
    ASSERT_TRUE((*n)->flush(Duration::from_seconds(10)));
    const auto reqs = api.requests();
    ASSERT_EQ(reqs.size(), 1U);
    EXPECT_EQ(reqs[0].body["parse_mode"], "MarkdownV2");
    EXPECT_EQ(
        reqs[0].body["text"], R"(*INFO* 2024\-06\-01T12:00:00Z BTCUSDT filled 0\.5 @ 61000\.5)");
}

TEST(TelegramNotifierTest, FloodControlWaitsRetryAfterThenResends) {
    StubBotApi api;
    api.script(StubBotApi::flood(1));
    auto n = TelegramNotifier::create(config_for(api));
    ASSERT_TRUE(n);
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE((*n)->send("fill: BTCUSDT"));
    ASSERT_TRUE((*n)->flush(Duration::from_seconds(10)));
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_GE(waited, std::chrono::milliseconds(950));
    const auto reqs = api.requests();
    ASSERT_EQ(reqs.size(), 2U);
    EXPECT_EQ(reqs[0].body["text"], reqs[1].body["text"]);
    const auto s = (*n)->stats();
    EXPECT_EQ(s.sent, 1U);
    EXPECT_EQ(s.retries, 1U);
    EXPECT_NE(s.last_error.find("429"), std::string::npos);
}

TEST(TelegramNotifierTest, ServerErrorsAreRetriedWithBackoffAndClientErrorsAreNot) {
    StubBotApi api;
    api.script({502, R"({"ok":false,"error_code":502,"description":"Bad Gateway"})"});
    api.script({500, "not json"});
    auto n = TelegramNotifier::create(config_for(api));
    ASSERT_TRUE(n);
    ASSERT_TRUE((*n)->send("daily summary"));
    ASSERT_TRUE((*n)->flush(Duration::from_seconds(10)));
    EXPECT_EQ(api.requests().size(), 3U);
    EXPECT_EQ((*n)->stats().sent, 1U);
    EXPECT_EQ((*n)->stats().retries, 2U);

    api.script(
        {403, R"({"ok":false,"error_code":403,"description":"Forbidden: bot was blocked"})"});
    ASSERT_TRUE((*n)->send("blocked"));
    ASSERT_TRUE((*n)->flush(Duration::from_seconds(10)));
    EXPECT_EQ(api.requests().size(), 4U);  // no retry
    EXPECT_EQ((*n)->stats().failed, 1U);
    EXPECT_NE((*n)->stats().last_error.find("403"), std::string::npos);
}

TEST(TelegramNotifierTest, WrongTokenFailsWithoutLeakingIt) {
    StubBotApi api;
    auto c = config_for(api);
    c.credentials.token = "999:wrong-secret-token";
    auto n = TelegramNotifier::create(c);
    ASSERT_TRUE(n);
    ASSERT_TRUE((*n)->send("hello"));
    ASSERT_TRUE((*n)->flush(Duration::from_seconds(10)));
    const auto s = (*n)->stats();
    EXPECT_EQ(s.failed, 1U);
    EXPECT_EQ(api.requests().size(), 1U);
    EXPECT_NE(s.last_error.find("401"), std::string::npos);
    EXPECT_EQ(s.last_error.find("wrong-secret-token"), std::string::npos);
}

TEST(TelegramNotifierTest, NetworkErrorsGiveUpAfterMaxAttemptsWithoutTheToken) {
    std::string base;
    {
        StubBotApi closed;  // a port that nothing listens on once it is gone
        base = closed.base();
    }
    TelegramConfig c;
    c.credentials = {kToken, "1"};
    c.api_base = base;
    c.min_interval = Duration::from_ms(0);
    c.initial_backoff = Duration::from_ms(10);
    c.max_attempts = 3;
    auto n = TelegramNotifier::create(c);
    ASSERT_TRUE(n);
    ASSERT_TRUE((*n)->send("x"));
    ASSERT_TRUE((*n)->flush(Duration::from_seconds(10)));
    const auto s = (*n)->stats();
    EXPECT_EQ(s.failed, 1U);
    EXPECT_EQ(s.retries, 2U);
    EXPECT_NE(s.last_error.find("127.0.0.1"), std::string::npos) << s.last_error;
    EXPECT_EQ(s.last_error.find(kToken), std::string::npos);
}

TEST(TelegramNotifierTest, LongTextIsSentInChunks) {
    StubBotApi api;
    auto n = TelegramNotifier::create(config_for(api));
    ASSERT_TRUE(n);
    std::string report;
    for (int i = 0; i < 500; ++i) {
        report += "trade " + std::to_string(i) + ": BTCUSDT +0.12%\n";
    }
    ASSERT_GT(report.size(), 8192U);
    ASSERT_TRUE((*n)->send(report));
    ASSERT_TRUE((*n)->flush(Duration::from_seconds(10)));
    const auto reqs = api.requests();
    ASSERT_EQ(reqs.size(), 4U);  // about 15,000 characters
    std::string joined;
    for (const auto& r : reqs) {
        const auto text = r.body["text"].get<std::string>();
        EXPECT_LE(text.size(), 4096U);
        EXPECT_EQ(text.back(), '\n');  // broken on line ends
        joined += text;
    }
    EXPECT_EQ(joined, report);
}

TEST(TelegramNotifierTest, NotifyNeverBlocksAndKeepsCriticalAlertsWhenFull) {
    StubBotApi api;
    api.script({200, R"({"ok":true,"result":{}})", std::chrono::milliseconds(400)});
    auto c = config_for(api);
    c.queue_capacity = 4;
    auto n = TelegramNotifier::create(c);
    ASSERT_TRUE(n);
    ASSERT_TRUE((*n)->send("first (the server is slow)"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // in flight now
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 50; ++i) {
        (*n)->notify(alert(model::AlertLevel::kInfo, "fill"));
    }
    (*n)->notify(alert(model::AlertLevel::kCritical, "kill switch"));
    const auto spent = std::chrono::steady_clock::now() - start;
    EXPECT_LT(spent, std::chrono::milliseconds(100)) << "notify must not wait for the network";
    ASSERT_TRUE((*n)->flush(Duration::from_seconds(10)));
    const auto reqs = api.requests();
    ASSERT_EQ(reqs.size(), 5U);  // the slow one, then a full queue of 4
    EXPECT_NE(reqs.back().body["text"].get<std::string>().find("kill switch"), std::string::npos);
    EXPECT_EQ((*n)->stats().dropped, 47U);  // 46 infos refused, 1 evicted by the critical one
}

TEST(TelegramNotifierTest, RejectedSignalWarningsAreRateLimited) {
    StubBotApi api;
    auto n = TelegramNotifier::create(config_for(api));
    ASSERT_TRUE(n);
    for (int i = 0; i < 5; ++i) {
        (*n)->notify(alert(model::AlertLevel::kWarning, "signal for BTCUSDT rejected"));
    }
    (*n)->notify(alert(model::AlertLevel::kCritical, "kill switch"));
    ASSERT_TRUE((*n)->flush(Duration::from_seconds(10)));
    EXPECT_EQ(api.requests().size(), 2U);
    EXPECT_EQ((*n)->stats().suppressed, 4U);
}

TEST(TelegramNotifierTest, BadConfigurationIsRefused) {
    TelegramConfig c;
    c.credentials = {kToken, "1"};
    c.api_base = "ftp://example";
    EXPECT_FALSE(TelegramNotifier::create(c));
    c.api_base = "http://127.0.0.1:1";
    c.parse_mode = "BBCode";
    EXPECT_FALSE(TelegramNotifier::create(c));
    c.parse_mode = "";
    c.credentials.token.clear();
    EXPECT_FALSE(TelegramNotifier::create(c));
}

}  // namespace
}  // namespace ats::notify
