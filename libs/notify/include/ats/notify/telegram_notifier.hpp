#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/time.hpp"
#include "ats/model/ports.hpp"

namespace ats::notify {

/// Bot token and chat id. The token is a secret: it is never logged, never put in an error
/// message, and `redact` removes it from any text that might carry it (a URL).
struct TelegramCredentials {
    std::string token;
    std::string chat_id;  ///< numeric id (may be negative) or @channelname
};

/// Reads ATS_TELEGRAM_BOT_TOKEN and ATS_TELEGRAM_CHAT_ID; when the token is not in the
/// environment, reads `file` (lines `bot_token=...` and `chat_id=...`), which must be a regular
/// file with mode 0600 or stricter (kFailedPrecondition otherwise). kNotFound when neither gives
/// both values. Error messages name the variable or file, never the token.
Result<TelegramCredentials> load_telegram_credentials(const std::optional<std::string>& file);

struct TelegramConfig {
    TelegramCredentials credentials;
    /// Base URL, http:// or https:// (tests point it at a local server on 127.0.0.1).
    std::string api_base = "https://api.telegram.org";
    std::string parse_mode;  ///< "" (plain text, default), "MarkdownV2" or "HTML"
    std::size_t queue_capacity = 256;
    Duration http_timeout = Duration::from_seconds(10);
    Duration min_interval = Duration::from_seconds(1);  ///< per-chat pacing (about 1 message/s)
    int max_attempts = 5;                               ///< for 5xx and network errors
    Duration initial_backoff = Duration::from_ms(500);
    Duration max_backoff = Duration::from_seconds(30);
    /// At most one warning alert (e.g. a rejected signal) per interval; the rest are counted and
    /// the count is added to the next one. Critical and info alerts are never rate-limited.
    Duration warning_interval = Duration::from_seconds(60);
};

struct TelegramStats {
    std::uint64_t sent = 0;        ///< messages (chunks) the API accepted
    std::uint64_t failed = 0;      ///< messages given up on
    std::uint64_t retries = 0;     ///< resends after 429, 5xx or network errors
    std::uint64_t dropped = 0;     ///< alerts dropped because the queue was full
    std::uint64_t suppressed = 0;  ///< warnings folded into a later one by the rate limit
    std::string last_error;        ///< redacted
};

/// Escapes text for parse_mode=MarkdownV2 (the 18 reserved characters and the backslash).
std::string escape_markdown_v2(std::string_view text);
/// Escapes text for parse_mode=HTML (&, <, >, ").
std::string escape_html(std::string_view text);
/// Splits text into chunks of at most `limit` UTF-16 code units (Telegram's count), breaking
/// after a newline when one is in the chunk and never inside a UTF-8 sequence or, when
/// `markdown_v2`, between a backslash and the character it escapes.
std::vector<std::string> split_message(
    std::string_view text, std::size_t limit = 4096, bool markdown_v2 = false);
/// `text` with every occurrence of `secret` replaced by "<redacted>".
std::string redact(std::string_view text, std::string_view secret);

/// The Notifier port on the Telegram Bot API (sendMessage). `notify` never blocks the engine: it
/// formats the alert and puts it in a bounded queue that one sender thread drains. When the
/// queue is full a warning or info alert is dropped (counted), while a critical alert evicts the
/// oldest non-critical one. The sender paces messages (min_interval), splits long text, answers
/// HTTP 429 by waiting `retry_after` seconds and resending, retries 5xx and network errors with
/// exponential backoff up to max_attempts, gives up at once on 400/401/403 (after one plain-text
/// resend for a 400 with a parse mode), and records errors without the token.
/// Thread-safe: notify may be called from any thread. HTTP (Boost.Beast) stays in the .cpp.
class TelegramNotifier final : public model::Notifier {
public:
    /// kInvalidArgument for a bad api_base or empty credentials.
    static Result<std::unique_ptr<TelegramNotifier>> create(TelegramConfig config);
    ~TelegramNotifier() override;
    TelegramNotifier(const TelegramNotifier&) = delete;
    TelegramNotifier& operator=(const TelegramNotifier&) = delete;

    void notify(const model::AlertLogged& alert) override;
    /// Queues a text as is (critical: never dropped). False when it was dropped.
    bool send(std::string text, bool critical = false);
    /// Waits until the queue is empty and nothing is in flight, or `timeout` passed.
    bool flush(Duration timeout);
    TelegramStats stats() const;

private:
    struct Impl;
    explicit TelegramNotifier(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::notify
