#include "ats/server/http.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

namespace ats::server {

std::string Request::header(std::string_view name) const {
    const auto it = headers.find(std::string(name));
    return it == headers.end() ? std::string() : it->second;
}

std::optional<std::string> Request::cookie(std::string_view name) const {
    const std::string all = header("cookie");
    std::size_t pos = 0;
    while (pos < all.size()) {
        auto end = all.find(';', pos);
        if (end == std::string::npos) {
            end = all.size();
        }
        std::string_view item(all.data() + pos, end - pos);
        while (!item.empty() && item.front() == ' ') {
            item.remove_prefix(1);
        }
        const auto eq = item.find('=');
        if (eq != std::string_view::npos && item.substr(0, eq) == name) {
            return std::string(item.substr(eq + 1));
        }
        pos = end + 1;
    }
    return std::nullopt;
}

std::optional<std::string> url_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) {
                return std::nullopt;
            }
            const auto hex = [](char h) -> int {
                if (h >= '0' && h <= '9') {
                    return h - '0';
                }
                if (h >= 'a' && h <= 'f') {
                    return h - 'a' + 10;
                }
                if (h >= 'A' && h <= 'F') {
                    return h - 'A' + 10;
                }
                return -1;
            };
            const int hi = hex(text[i + 1]);
            const int lo = hex(text[i + 2]);
            if (hi < 0 || lo < 0) {
                return std::nullopt;
            }
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

bool Request::parse_target() {
    const auto question = target.find('?');
    auto decoded = url_decode(std::string_view(target).substr(0, question), false);
    if (!decoded || decoded->empty() || decoded->front() != '/' ||
        decoded->find('\0') != std::string::npos) {
        return false;
    }
    // No ".." segment, however encoded: paths never climb out of what they name.
    std::size_t pos = 0;
    while (pos < decoded->size()) {
        auto end = decoded->find('/', pos + 1);
        if (end == std::string::npos) {
            end = decoded->size();
        }
        const std::string_view segment(decoded->data() + pos + 1, end - pos - 1);
        if (segment == ".." || segment.find('\\') != std::string_view::npos) {
            return false;
        }
        pos = end;
    }
    path = std::move(*decoded);
    query.clear();
    if (question == std::string::npos) {
        return true;
    }
    std::string_view rest = std::string_view(target).substr(question + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view item = rest.substr(0, amp);
        const auto eq = item.find('=');
        auto key = url_decode(item.substr(0, eq), true);
        auto value = url_decode(
            eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1), true);
        if (!key || !value) {
            return false;
        }
        if (!key->empty()) {
            query[*key] = *value;
        }
        if (amp == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(amp + 1);
    }
    return true;
}

Response Response::json(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

Response Response::error(int status, std::string_view code, std::string_view message) {
    nlohmann::json j;
    j["error"] = {{"code", std::string(code)}, {"message", std::string(message)}};
    return json(status, j.dump());
}

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

}  // namespace ats::server
