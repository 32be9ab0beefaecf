#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/symbol.hpp"
#include "ats/core/time.hpp"
#include "ats/model/bar.hpp"
#include "ats/model/market_data.hpp"
#include "ats/redis/connection.hpp"

namespace ats::redis {

/// The latest order book of a symbol as cached (a snapshot, best levels first).
struct BookSnapshot {
    std::int64_t update_id = 0;
    Timestamp ts;
    std::vector<model::BookLevel> bids;
    std::vector<model::BookLevel> asks;
    friend bool operator==(const BookSnapshot&, const BookSnapshot&) = default;
};

/// Latest bars and book snapshots per symbol, for other processes to read: the hashes
/// <prefix>bar:<SYMBOL> (open_time_ms, close_time_ms, open, high, low, close, volume) and
/// <prefix>book:<SYMBOL> (update_id, ts_ns, bids and asks as "price:qty,price:qty"). A cache:
/// values are exact decimal strings, and the files and SQLite stay the record. Not thread-safe.
class MarketCache {
public:
    static Result<MarketCache> connect(const Endpoint& endpoint, std::string prefix = "ats:");

    Status put_bar(const Symbol& symbol, const model::Bar& bar);
    /// nullopt when no bar is cached; kParse when the hash is not a bar.
    Result<std::optional<model::Bar>> get_bar(const Symbol& symbol);
    Status put_book(const Symbol& symbol, const BookSnapshot& book);
    Result<std::optional<BookSnapshot>> get_book(const Symbol& symbol);

private:
    MarketCache(Connection c, std::string prefix)
        : connection_(std::move(c)), prefix_(std::move(prefix)) {}
    Connection connection_;
    std::string prefix_;
};

}  // namespace ats::redis
