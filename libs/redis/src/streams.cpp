#include "ats/redis/streams.hpp"

#include <fmt/format.h>

namespace ats::redis {
namespace {

Error bad_reply(const char* what) {
    return Error{ErrorCode::kParse, fmt::format("redis: unexpected {} reply", what)};
}

// [[stream, [entries]]] (XREAD/XREADGROUP) or nil on timeout.
Result<std::vector<StreamEntry>> entries_of_streams(const Reply& reply) {
    if (reply.type == Reply::Type::kNil) {
        return std::vector<StreamEntry>{};
    }
    if (reply.type != Reply::Type::kArray) {
        return tl::unexpected(bad_reply("XREAD"));
    }
    std::vector<StreamEntry> out;
    for (const auto& stream : reply.elements) {
        if (stream.type != Reply::Type::kArray || stream.elements.size() != 2) {
            return tl::unexpected(bad_reply("XREAD"));
        }
        auto entries = parse_entries(stream.elements[1]);
        if (!entries) {
            return entries;
        }
        for (auto& e : *entries) {
            out.push_back(std::move(e));
        }
    }
    return out;
}

}  // namespace

std::string StreamEntry::field(const std::string& name) const {
    for (const auto& [k, v] : fields) {
        if (k == name) {
            return v;
        }
    }
    return {};
}

Result<std::vector<StreamEntry>> parse_entries(const Reply& reply) {
    std::vector<StreamEntry> out;
    if (reply.type == Reply::Type::kNil) {
        return out;
    }
    if (reply.type != Reply::Type::kArray) {
        return tl::unexpected(bad_reply("stream entries"));
    }
    for (const auto& e : reply.elements) {
        // A deleted entry reads as [id, nil] (XAUTOCLAIM, XREADGROUP of pending ones).
        if (e.type != Reply::Type::kArray || e.elements.size() != 2 ||
            e.elements[0].type != Reply::Type::kString) {
            return tl::unexpected(bad_reply("stream entry"));
        }
        StreamEntry entry;
        entry.id = e.elements[0].str;
        const Reply& fields = e.elements[1];
        if (fields.type == Reply::Type::kArray) {
            for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
                entry.fields.emplace_back(fields.elements[i].str, fields.elements[i + 1].str);
            }
        }
        out.push_back(std::move(entry));
    }
    return out;
}

Result<StreamReader> StreamReader::connect(
    const Endpoint& endpoint, std::string stream, std::string after_id) {
    auto c = Connection::connect(endpoint);
    if (!c) {
        return tl::unexpected(c.error());
    }
    return StreamReader(std::move(*c), std::move(stream), std::move(after_id));
}

Result<std::vector<StreamEntry>> StreamReader::read(
    std::size_t count, std::chrono::milliseconds block) {
    if (auto s = connection_.set_timeout(block + std::chrono::milliseconds(2000)); !s) {
        return tl::unexpected(s.error());
    }
    auto reply = connection_.command(
        {"XREAD",
         "COUNT",
         std::to_string(count),
         "BLOCK",
         std::to_string(block.count()),
         "STREAMS",
         stream_,
         last_id_});
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    auto entries = entries_of_streams(*reply);
    if (entries && !entries->empty()) {
        last_id_ = entries->back().id;
    }
    return entries;
}

Result<GroupConsumer> GroupConsumer::connect(
    const Endpoint& endpoint,
    std::string stream,
    std::string group,
    std::string consumer,
    const std::string& start_id) {
    auto c = Connection::connect(endpoint);
    if (!c) {
        return tl::unexpected(c.error());
    }
    auto created = c->command({"XGROUP", "CREATE", stream, group, start_id, "MKSTREAM"});
    if (!created && created.error().message.find("BUSYGROUP") == std::string::npos) {
        return tl::unexpected(created.error());
    }
    return GroupConsumer(std::move(*c), std::move(stream), std::move(group), std::move(consumer));
}

Result<std::vector<StreamEntry>> GroupConsumer::read_new(
    std::size_t count, std::chrono::milliseconds block) {
    if (auto s = connection_.set_timeout(block + std::chrono::milliseconds(2000)); !s) {
        return tl::unexpected(s.error());
    }
    auto reply = connection_.command(
        {"XREADGROUP",
         "GROUP",
         group_,
         consumer_,
         "COUNT",
         std::to_string(count),
         "BLOCK",
         std::to_string(block.count()),
         "STREAMS",
         stream_,
         ">"});
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    return entries_of_streams(*reply);
}

Result<std::vector<StreamEntry>> GroupConsumer::read_pending(std::size_t count) {
    auto reply = connection_.command(
        {"XREADGROUP",
         "GROUP",
         group_,
         consumer_,
         "COUNT",
         std::to_string(count),
         "STREAMS",
         stream_,
         "0"});
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    return entries_of_streams(*reply);
}

Status GroupConsumer::ack(const std::vector<std::string>& ids) {
    if (ids.empty()) {
        return ok_status();
    }
    std::vector<std::string> args = {"XACK", stream_, group_};
    args.insert(args.end(), ids.begin(), ids.end());
    auto reply = connection_.command(args);
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    return ok_status();
}

Result<std::vector<StreamEntry>> GroupConsumer::claim_idle(
    std::chrono::milliseconds min_idle, std::size_t count) {
    auto reply = connection_.command(
        {"XAUTOCLAIM",
         stream_,
         group_,
         consumer_,
         std::to_string(min_idle.count()),
         "0-0",
         "COUNT",
         std::to_string(count)});
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    // [next start id, [entries], [deleted ids]]
    if (reply->type != Reply::Type::kArray || reply->elements.size() < 2) {
        return tl::unexpected(bad_reply("XAUTOCLAIM"));
    }
    return parse_entries(reply->elements[1]);
}

Result<std::int64_t> GroupConsumer::pending_count() {
    auto reply = connection_.command({"XPENDING", stream_, group_});
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    if (reply->type != Reply::Type::kArray || reply->elements.empty() ||
        reply->elements[0].type != Reply::Type::kInteger) {
        return tl::unexpected(bad_reply("XPENDING"));
    }
    return reply->elements[0].integer;
}

}  // namespace ats::redis
