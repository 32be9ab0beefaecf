#include "ats/binance/signing.hpp"

#include <array>
#include <cstddef>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

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

namespace {

/// This thread's HMAC-SHA256 context keyed with the last secret it signed for. OpenSSL 3's
/// one-shot HMAC() fetches the algorithm and sets the key up on every call (microseconds, and
/// far more when its caches are cold, as they are on an order that comes once in many ticks);
/// here that happens once per thread and secret, and each signature only re-arms the context.
class KeyedHmac {
public:
    KeyedHmac() = default;
    KeyedHmac(const KeyedHmac&) = delete;
    KeyedHmac& operator=(const KeyedHmac&) = delete;
    ~KeyedHmac() {
        EVP_MAC_CTX_free(ctx_);  // cleanses the key
        EVP_MAC_free(mac_);
        OPENSSL_cleanse(secret_.data(), secret_.size());
    }

    /// The digest of `message` under `secret` into `digest`; its length, or 0 on failure.
    std::size_t sign(std::string_view secret, std::string_view message, unsigned char* digest) {
        if (ctx_ == nullptr || secret != secret_) {
            if (!rekey(secret)) {
                return 0;
            }
        } else if (EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1) {  // same key, fresh state
            return 0;
        }
        std::size_t length = 0;
        if (EVP_MAC_update(
                ctx_, reinterpret_cast<const unsigned char*>(message.data()), message.size()) !=
                1 ||
            EVP_MAC_final(ctx_, digest, &length, EVP_MAX_MD_SIZE) != 1) {
            return 0;
        }
        return length;
    }

private:
    bool rekey(std::string_view secret) {
        if (mac_ == nullptr) {
            mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
        }
        if (ctx_ == nullptr && mac_ != nullptr) {
            ctx_ = EVP_MAC_CTX_new(mac_);
        }
        if (ctx_ == nullptr) {
            return false;
        }
        char digest_name[] = "SHA256";
        const OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
            OSSL_PARAM_construct_end()};
        OPENSSL_cleanse(secret_.data(), secret_.size());
        secret_.clear();
        if (EVP_MAC_init(
                ctx_,
                reinterpret_cast<const unsigned char*>(secret.data()),
                secret.size(),
                params) != 1) {
            return false;
        }
        secret_.assign(secret);
        return true;
    }

    EVP_MAC* mac_ = nullptr;
    EVP_MAC_CTX* ctx_ = nullptr;
    std::string secret_;
};

}  // namespace

std::string hmac_sha256_hex(std::string_view secret, std::string_view message) {
    thread_local KeyedHmac keyed;
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    std::size_t length = keyed.sign(secret, message, digest.data());
    if (length == 0) {
        // The cached context failed (should not happen): the one-shot call, as before.
        unsigned int one_shot = 0;
        HMAC(
            EVP_sha256(),
            secret.data(),
            static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(message.data()),
            message.size(),
            digest.data(),
            &one_shot);
        length = one_shot;
    }
    std::string out;
    out.reserve(length * 2);
    for (std::size_t i = 0; i < length; ++i) {
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
