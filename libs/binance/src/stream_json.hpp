#pragma once

#include <cstring>
#include <string>
#include <string_view>

#include <simdjson.h>

namespace ats::binance::stream_json {

namespace od = simdjson::ondemand;

/// One simdjson On Demand parser per thread (it reuses its buffers).
inline od::parser& stream_parser() {
    thread_local od::parser instance;
    return instance;
}

/// `json` copied into this thread's reusable padded buffer (simdjson reads up to
/// SIMDJSON_PADDING bytes past the end): no allocation once the buffer has grown. The view is
/// valid until the next call on this thread.
inline simdjson::padded_string_view padded_copy(std::string_view json) {
    thread_local std::string buffer;
    const std::size_t need = json.size() + simdjson::SIMDJSON_PADDING;
    if (buffer.size() < need) {
        buffer.resize(need);
    }
    if (!json.empty()) {
        std::memcpy(buffer.data(), json.data(), json.size());
    }
    std::memset(buffer.data() + json.size(), 0, simdjson::SIMDJSON_PADDING);
    return simdjson::padded_string_view(buffer.data(), json.size(), buffer.size());
}

/// Whether `json` is an object whose first key is "stream" or "data" (a combined-stream wrapper).
inline bool opens_wrapper(std::string_view json) noexcept {
    std::size_t i = 0;
    const auto skip_space = [&] {
        while (i < json.size() &&
               (json[i] == ' ' || json[i] == '\n' || json[i] == '\r' || json[i] == '\t')) {
            ++i;
        }
    };
    skip_space();
    if (i == json.size() || json[i] != '{') {
        return false;
    }
    ++i;
    skip_space();
    const auto rest = json.substr(i);
    return rest.starts_with("\"stream\"") || rest.starts_with("\"data\"");
}

/// Opens a stream event: raw, or wrapped as {"stream":..., "data":{...}} by combined streams.
/// `doc` must outlive `event`; both are valid until the next parse on this thread. Returns
/// nullptr on success, else what was wrong.
inline const char* open_stream_event(std::string_view json, od::document& doc, od::object& event) {
    if (stream_parser().iterate(padded_copy(json)).get(doc)) {
        return "malformed JSON";
    }
    // Combined streams send {"stream":...,"data":{...}}; raw events begin with their "e" field.
    // Only a text that opens with the wrapper's keys is searched for "data", so a raw event is
    // not scanned twice.
    if (opens_wrapper(json)) {
        od::object object;
        if (doc.get_object().get(object)) {
            return "not an object";
        }
        od::value data;
        if (!object.find_field_unordered("data").get(data)) {
            return data.get_object().get(event) ? "data is not an object" : nullptr;
        }
        doc.rewind();
    }
    if (doc.get_object().get(event)) {
        return "not an object";
    }
    return nullptr;
}

}  // namespace ats::binance::stream_json
