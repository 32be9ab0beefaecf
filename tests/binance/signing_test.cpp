#include "ats/binance/signing.hpp"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace ats::binance {
namespace {

constexpr const char* kSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

// Test vector 1 of Binance's docs (binance-spot.md §3).
TEST(SigningTest, MatchesBinanceDocumentationVector) {
    const std::string payload =
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&"
        "timestamp=1499827319559";
    EXPECT_EQ(
        hmac_sha256_hex(kSecret, payload),
        "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
}

// The keyed context is kept per thread and secret: switching secrets, repeating a message, an
// empty secret and other threads all give the documented or RFC 4231 digests.
TEST(SigningTest, KeptContextRekeysAndStaysPerThread) {
    const std::string payload =
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&"
        "timestamp=1499827319559";
    const std::string expected = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
    // RFC 4231 test case 2: key "Jefe".
    const std::string rfc = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    for (int round = 0; round < 3; ++round) {
        EXPECT_EQ(hmac_sha256_hex(kSecret, payload), expected);
        EXPECT_EQ(hmac_sha256_hex(kSecret, payload), expected);  // same key, fresh state
        EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"), rfc);
    }
    EXPECT_EQ(
        hmac_sha256_hex("", ""),
        "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    std::vector<std::string> results(4);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < results.size(); ++i) {
        threads.emplace_back([&results, &payload, i] {
            for (int k = 0; k < 100; ++k) {
                results[i] = hmac_sha256_hex(
                    i % 2 == 0 ? kSecret : "Jefe",
                    i % 2 == 0 ? payload : "what do ya want for nothing?");
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    for (std::size_t i = 0; i < results.size(); ++i) {
        EXPECT_EQ(results[i], i % 2 == 0 ? expected : rfc) << i;
    }
}

// Vector 2: query string and body concatenated with no separator.
TEST(SigningTest, MixedQueryAndBodyJoinWithoutSeparator) {
    const std::string query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC";
    const std::string body = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
    EXPECT_EQ(
        hmac_sha256_hex(kSecret, query + body),
        "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77");
}

// Vector 3: a non-ASCII symbol is percent-encoded before signing.
TEST(SigningTest, NonAsciiIsPercentEncodedBeforeSigning) {
    const std::string symbol =
        "\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96";
    const Params params = {
        {"symbol", symbol},
        {"side", "BUY"},
        {"type", "LIMIT"},
        {"timeInForce", "GTC"},
        {"quantity", "1"},
        {"price", "0.1"},
        {"recvWindow", "5000"},
        {"timestamp", "1499827319559"}};
    const auto payload = encode_params(params);
    EXPECT_EQ(
        payload.substr(0, 81),
        "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT");
    EXPECT_EQ(
        hmac_sha256_hex(kSecret, payload),
        "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3");
}

TEST(SigningTest, SignQueryAppendsSignatureLast) {
    EXPECT_EQ(sign_query(kSecret, "a=1"), "a=1&signature=" + hmac_sha256_hex(kSecret, "a=1"));
    EXPECT_EQ(sign_query(kSecret, ""), "signature=" + hmac_sha256_hex(kSecret, ""));
}

TEST(SigningTest, SignatureComparisonIgnoresCase) {
    EXPECT_TRUE(signature_equals("abcDEF01", "ABCdef01"));
    EXPECT_FALSE(signature_equals("abcdef01", "abcdef02"));
    EXPECT_FALSE(signature_equals("abc", "abcd"));
}

TEST(SigningTest, ParseParamsDecodesAndRoundTrips) {
    Params params;
    ASSERT_TRUE(parse_params("symbol=BTCUSDT&symbols=%5B%22A%22%5D&x=a+b&empty=", params));
    ASSERT_EQ(params.size(), 4U);
    EXPECT_EQ(params[1].second, "[\"A\"]");
    EXPECT_EQ(params[2].second, "a b");
    EXPECT_EQ(params[3].second, "");
    Params bad;
    EXPECT_FALSE(parse_params("a=%4", bad));
    EXPECT_FALSE(parse_params("a=%zz", bad));
    EXPECT_EQ(encode_params({{"k", "a b/c"}}), "k=a%20b%2Fc");
}

}  // namespace
}  // namespace ats::binance
