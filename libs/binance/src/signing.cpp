#include "ats/binance/signing.hpp"

#include <array>
#include <cstddef>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace ats::binance {

namespace {

constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::string hmac_sha256_hex(std::string_view secret, std::string_view message) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    HMAC(
        EVP_sha256(),
        secret.data(),
        static_cast<int>(secret.size()),
        reinterpret_cast<const unsigned char*>(message.data()),
        message.size(),
        digest.data(),
        &length);
    std::string out;
    out.reserve(std::size_t{length} * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(kHex[digest[i] >> 4U]);
        out.push_back(kHex[digest[i] & 0x0FU]);
    }
    return out;
}

std::string url_encode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        const bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
                                (u >= '0' && u <= '9') || u == '-' || u == '_' || u == '.' ||
                                u == '~';
        if (unreserved) {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(static_cast<char>(kHex[u >> 4U] - ((u >> 4U) > 9 ? 32 : 0)));
            out.push_back(static_cast<char>(kHex[u & 0x0FU] - ((u & 0x0FU) > 9 ? 32 : 0)));
        }
    }
    return out;
}

bool url_decode(std::string_view text, std::string& out) {
    out.clear();
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c == '%') {
            if (i + 2 >= text.size()) {
                return false;
            }
            const int hi = hex_value(text[i + 1]);
            const int lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0) {
                return false;
            }
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return true;
}

std::string encode_params(const Params& params) {
    std::string out;
    for (const auto& [key, value] : params) {
        if (!out.empty()) {
            out.push_back('&');
        }
        out += url_encode(key);
        out.push_back('=');
        out += url_encode(value);
    }
    return out;
}

bool parse_params(std::string_view text, Params& out) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto amp = text.find('&', pos);
        if (amp == std::string_view::npos) {
            amp = text.size();
        }
        const auto pair = text.substr(pos, amp - pos);
        pos = amp + 1;
        if (pair.empty()) {
            continue;
        }
        const auto eq = pair.find('=');
        std::string key;
        std::string value;
        if (!url_decode(pair.substr(0, eq), key)) {
            return false;
        }
        if (eq != std::string_view::npos && !url_decode(pair.substr(eq + 1), value)) {
            return false;
        }
        out.emplace_back(std::move(key), std::move(value));
    }
    return true;
}

std::string sign_query(std::string_view secret, std::string_view payload) {
    std::string out(payload);
    if (!out.empty()) {
        out.push_back('&');
    }
    out += "signature=";
    out += hmac_sha256_hex(secret, payload);
    return out;
}

bool signature_equals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    unsigned diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff |= static_cast<unsigned>(lower(a[i]) ^ lower(b[i]));
    }
    return diff == 0;
}

}  // namespace ats::binance
