#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/redis/connection.hpp"

namespace ats::redis {

/// One Redis Stream entry. The id ("1733011200000-0") doubles as a resume token: a reader that
/// saves the last id it handled continues after it (XREAD) with nothing missed or repeated.
struct StreamEntry {
    std::string id;
    std::vector<std::pair<std::string, std::string>> fields;

    /// The value of field `name` ("" when absent).
    std::string field(const std::string& name) const;
};

/// Parses the entries of an XRANGE / XREAD / XREADGROUP / XAUTOCLAIM reply for one stream.
Result<std::vector<StreamEntry>> parse_entries(const Reply& reply);

/// A fan-out reader: every reader sees every entry (XREAD BLOCK), from a resume id.
///
///     auto reader = StreamReader::connect(endpoint, "ats:events", "0");   // or a saved id, or "$"
///     auto batch = reader->read(100, std::chrono::milliseconds(1000));
///     save(reader->last_id());
class StreamReader {
public:
    static Result<StreamReader> connect(
        const Endpoint& endpoint, std::string stream, std::string after_id);

    /// Up to `count` entries after last_id(), waiting up to `block` for the first one (empty on
    /// timeout). kUnavailable when the server is gone (reconnect with last_id()).
    Result<std::vector<StreamEntry>> read(std::size_t count, std::chrono::milliseconds block);
    const std::string& last_id() const noexcept { return last_id_; }

private:
    StreamReader(Connection connection, std::string stream, std::string after_id)
        : connection_(std::move(connection)),
          stream_(std::move(stream)),
          last_id_(std::move(after_id)) {}
    Connection connection_;
    std::string stream_;
    std::string last_id_;
};

/// A member of a consumer group: each entry goes to one consumer of the group and stays pending
/// until acknowledged (XACK). After a restart a consumer first re-reads its own pending entries;
/// entries of a consumer that died are claimed by another with claim_idle (XAUTOCLAIM).
class GroupConsumer {
public:
    /// Creates the group when missing (MKSTREAM), starting at `start_id` ("0": the whole
    /// stream, "$": new entries only).
    static Result<GroupConsumer> connect(
        const Endpoint& endpoint,
        std::string stream,
        std::string group,
        std::string consumer,
        const std::string& start_id = "0");

    /// New entries for this consumer (XREADGROUP ... >), waiting up to `block`.
    Result<std::vector<StreamEntry>> read_new(std::size_t count, std::chrono::milliseconds block);
    /// This consumer's own entries delivered but not acknowledged (after a restart).
    Result<std::vector<StreamEntry>> read_pending(std::size_t count);
    Status ack(const std::vector<std::string>& ids);
    /// Takes over entries pending for longer than `min_idle` with any consumer (a dead one).
    Result<std::vector<StreamEntry>> claim_idle(
        std::chrono::milliseconds min_idle, std::size_t count);
    /// Entries of the group delivered and not yet acknowledged (all consumers).
    Result<std::int64_t> pending_count();

private:
    GroupConsumer(Connection c, std::string stream, std::string group, std::string consumer)
        : connection_(std::move(c)),
          stream_(std::move(stream)),
          group_(std::move(group)),
          consumer_(std::move(consumer)) {}
    Connection connection_;
    std::string stream_;
    std::string group_;
    std::string consumer_;
};

}  // namespace ats::redis
