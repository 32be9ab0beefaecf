#include "ats/server/router.hpp"

#include <chrono>

#include <nlohmann/json.hpp>

namespace ats::server {

using Json = nlohmann::json;

namespace {

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t pos = 1;
    while (pos <= path.size()) {
        auto slash = path.find('/', pos);
        if (slash == std::string_view::npos) {
            slash = path.size();
        }
        out.push_back(path.substr(pos, slash - pos));
        pos = slash + 1;
    }
    return out;
}

Timestamp wall_now() {
    return Timestamp::from_unix_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
}

}  // namespace

std::optional<std::string> token_of(const Request& request) {
    const std::string auth = request.header("authorization");
    if (auth.rfind("Bearer ", 0) == 0) {
        return auth.substr(7);
    }
    if (request.method == "GET") {
        if (auto cookie = request.cookie("ats_session")) {
            return cookie;
        }
    }
    return std::nullopt;
}

Router::Router(AuthStore& auth) : auth_(auth) {}

void Router::add(Route route) {
    routes_.push_back(std::move(route));
}

std::optional<std::map<std::string, std::string>> Router::match(
    const std::string& pattern, const std::string& path) const {
    const auto want = segments(pattern);
    const auto got = segments(path);
    if (want.size() != got.size()) {
        return std::nullopt;
    }
    std::map<std::string, std::string> params;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
            if (got[i].empty()) {
                return std::nullopt;
            }
            params[std::string(want[i].substr(1, want[i].size() - 2))] = std::string(got[i]);
        } else if (want[i] != got[i]) {
            return std::nullopt;
        }
    }
    return params;
}

Response Router::dispatch(Request& request) {
    bool path_known = false;
    for (auto& route : routes_) {
        auto params = match(route.pattern, request.path);
        if (!params) {
            continue;
        }
        path_known = true;
        if (route.method != request.method) {
            continue;
        }
        Call call{request, std::move(*params), std::nullopt};
        if (route.access != Access::kPublic) {
            const auto token = token_of(request);
            if (!token) {
                return Response::error(
                    401,
                    "unauthorized",
                    request.method == "GET"
                        ? "log in first (Authorization: Bearer <token>)"
                        : "this request needs the Authorization: Bearer <token> header");
            }
            call.user = auth_.authenticate(*token, wall_now());
            if (!call.user) {
                return Response::error(401, "unauthorized", "token unknown or expired");
            }
            if (route.access == Access::kTrader && call.user->role != Role::kTrader) {
                return Response::error(403, "forbidden", "this needs the trader role");
            }
        }
        try {
            return route.handler(call);
        } catch (const std::exception& e) {
            return Response::error(500, "internal", e.what());
        }
    }
    if (path_known) {
        return Response::error(405, "method_not_allowed", "method not allowed on this path");
    }
    return Response::error(404, "not_found", "no such endpoint");
}

std::string Router::openapi_json(std::string_view version) const {
    Json doc;
    doc["openapi"] = "3.1.0";
    doc["info"] = {
        {"title", "ats API"},
        {"version", std::string(version)},
        {"description",
         "Watch and steer ats trading sessions. Every route but /api/v1/ping needs "
         "Authorization: Bearer <token> from POST /api/v1/auth/login; GET routes also accept "
         "the ats_session cookie."}};
    doc["components"]["securitySchemes"]["bearer"] = {{"type", "http"}, {"scheme", "bearer"}};
    doc["components"]["securitySchemes"]["cookie"] = {
        {"type", "apiKey"}, {"in", "cookie"}, {"name", "ats_session"}};
    doc["components"]["schemas"]["Error"] = Json::parse(R"({
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}})");
    Json paths = Json::object();
    for (const auto& r : routes_) {
        Json op;
        op["summary"] = r.summary;
        op["tags"] = Json::array({r.tag});
        op["operationId"] = r.method + r.pattern;
        if (r.access == Access::kPublic) {
            op["security"] = Json::array();
        } else {
            op["security"] = Json::array({{{"bearer", Json::array()}}});
            if (r.method == "GET") {
                op["security"].push_back({{"cookie", Json::array()}});
            }
            op["x-role"] = r.access == Access::kTrader ? "trader" : "viewer";
        }
        Json parameters = Json::array();
        for (const auto seg : segments(r.pattern)) {
            if (seg.size() > 2 && seg.front() == '{') {
                parameters.push_back(
                    {{"name", std::string(seg.substr(1, seg.size() - 2))},
                     {"in", "path"},
                     {"required", true},
                     {"schema", {{"type", "string"}}}});
            }
        }
        for (const auto& q : r.query) {
            parameters.push_back(
                {{"name", q.name},
                 {"in", "query"},
                 {"required", q.required},
                 {"description", q.description},
                 {"schema", {{"type", "string"}}}});
        }
        if (!parameters.empty()) {
            op["parameters"] = parameters;
        }
        if (!r.request_schema.empty()) {
            op["requestBody"] = {
                {"required", true},
                {"content", {{"application/json", {{"schema", Json::parse(r.request_schema)}}}}}};
        }
        const Json ok_schema =
            r.response_schema.empty() ? Json{{"type", "object"}} : Json::parse(r.response_schema);
        op["responses"]["200"] = {
            {"description", "OK"}, {"content", {{"application/json", {{"schema", ok_schema}}}}}};
        const Json error_ref = {
            {"description", "error"},
            {"content",
             {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
        op["responses"]["400"] = error_ref;
        if (r.access != Access::kPublic) {
            op["responses"]["401"] = error_ref;
        }
        if (r.access == Access::kTrader) {
            op["responses"]["403"] = error_ref;
        }
        std::string lower = r.method;
        for (auto& c : lower) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        paths[r.pattern][lower] = op;
    }
    doc["paths"] = paths;
    return doc.dump(2);
}

}  // namespace ats::server
