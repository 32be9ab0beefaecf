#pragma once

#include <string_view>

#include <simdjson.h>

namespace ats::binance::stream_json {

namespace od = simdjson::ondemand;

/// One simdjson On Demand parser per thread (it reuses its buffers).
inline od::parser& stream_parser() {
    thread_local od::parser instance;
    return instance;
}

/// Opens a stream event: raw, or wrapped as {"stream":..., "data":{...}} by combined streams.
/// `padded` and `doc` must outlive `event`. Returns nullptr on success, else what was wrong.
inline const char* open_stream_event(
    std::string_view json, simdjson::padded_string& padded, od::document& doc, od::object& event) {
    padded = simdjson::padded_string(json);
    if (stream_parser().iterate(padded).get(doc)) {
        return "malformed JSON";
    }
    od::object object;
    if (doc.get_object().get(object)) {
        return "not an object";
    }
    od::value data;
    if (!object.find_field_unordered("data").get(data)) {
        if (data.get_object().get(event)) {
            return "data is not an object";
        }
    } else if (doc.rewind(), doc.get_object().get(event)) {
        return "not an object";
    }
    return nullptr;
}

}  // namespace ats::binance::stream_json
