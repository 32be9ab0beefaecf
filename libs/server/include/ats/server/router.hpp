#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ats/server/auth.hpp"
#include "ats/server/http.hpp"

namespace ats::server {

/// Who may call a route: anyone, any logged-in user, or a trader.
enum class Access : std::uint8_t { kPublic, kViewer, kTrader };

/// One request as a handler sees it: the request, the path parameters and the caller.
struct Call {
    Request& request;
    std::map<std::string, std::string> params;  ///< "{id}" -> value
    std::optional<User> user;                   ///< set unless the route is public
};

struct QueryParam {
    std::string name;
    std::string description;
    bool required = false;
};

/// One route of the API. The same table dispatches requests and generates the OpenAPI document,
/// so the two can never disagree.
struct Route {
    std::string method;   ///< "GET", "POST", "PUT", "DELETE"
    std::string pattern;  ///< "/api/v1/sessions/{id}/stop"
    Access access = Access::kViewer;
    std::string tag;      ///< OpenAPI grouping: "sessions", "runs", ...
    std::string summary;  ///< one line for the OpenAPI document
    std::vector<QueryParam> query;
    std::string request_schema;   ///< JSON Schema of the body, "" for none
    std::string response_schema;  ///< JSON Schema of a 200 reply, "" for a generic object
    std::function<Response(Call&)> handler;
};

/// Dispatches requests to routes after authentication and authorization:
/// - the caller is identified by `Authorization: Bearer <token>` or, for GET requests only, by
///   the `ats_session` cookie (a state-changing request must carry the header: a cookie alone
///   cannot be used cross-site to act, even where SameSite is not honoured);
/// - 401 without a valid token, 403 for a viewer on a trader route, 404 for an unknown path,
///   405 for a known path with another method.
class Router {
public:
    explicit Router(AuthStore& auth);

    void add(Route route);
    Response dispatch(Request& request);
    /// The OpenAPI 3.1 document of every route.
    std::string openapi_json(std::string_view version) const;
    const std::vector<Route>& routes() const noexcept { return routes_; }

private:
    std::optional<std::map<std::string, std::string>> match(
        const std::string& pattern, const std::string& path) const;

    AuthStore& auth_;
    std::vector<Route> routes_;
};

/// The bearer token of a request (the header), or the session cookie on a GET.
std::optional<std::string> token_of(const Request& request);

}  // namespace ats::server
