#include "ats/server/auth.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace ats::server {
namespace {

namespace fs = std::filesystem;

class AuthTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("ats_auth_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        auto store = AuthStore::open((dir_ / "ats.db").string());
        ASSERT_TRUE(store) << store.error().message;
        store_ = std::move(*store);
    }
    void TearDown() override {
        store_.reset();
        fs::remove_all(dir_);
    }
    Timestamp now() const { return Timestamp::from_unix_ms(1'800'000'000'000); }

    fs::path dir_;
    std::unique_ptr<AuthStore> store_;
};

TEST(Pbkdf2, MatchesThePublishedTestVector) {
    // RFC 7914 section 11 / the PBKDF2-HMAC-SHA256 vectors: P="password", S="salt".
    EXPECT_EQ(
        pbkdf2_hex("password", "salt", 1),
        "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
    EXPECT_EQ(
        pbkdf2_hex("password", "salt", 4096),
        "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
}

TEST(ConstantTimeEqual, ComparesWholeStrings) {
    EXPECT_TRUE(constant_time_equal("abc", "abc"));
    EXPECT_FALSE(constant_time_equal("abc", "abd"));
    EXPECT_FALSE(constant_time_equal("abc", "abcd"));
    EXPECT_TRUE(constant_time_equal("", ""));
}

TEST_F(AuthTest, UsersAreValidatedAndPasswordsNeverStoredInClear) {
    EXPECT_FALSE(store_->add_user("bob", "short", Role::kViewer));
    EXPECT_FALSE(store_->add_user("bad name", "long-enough-1", Role::kViewer));
    EXPECT_FALSE(store_->add_user("", "long-enough-1", Role::kViewer));
    ASSERT_TRUE(store_->add_user("bob", "long-enough-1", Role::kViewer));
    const auto again = store_->add_user("bob", "long-enough-2", Role::kTrader);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
    auto users = store_->users();
    ASSERT_TRUE(users);
    ASSERT_EQ(users->size(), 1U);
    EXPECT_EQ((*users)[0].role, Role::kViewer);
    store_.reset();
    std::ifstream in(dir_ / "ats.db", std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(bytes.find("long-enough-1"), std::string::npos);
}

TEST_F(AuthTest, LoginIssuesTokensThatAuthenticateUntilTheyExpire) {
    ASSERT_TRUE(store_->add_user("tina", "trader-pass-1", Role::kTrader));
    auto tokens = store_->login("tina", "trader-pass-1", "127.0.0.1", now());
    ASSERT_TRUE(tokens) << tokens.error().message;
    EXPECT_EQ(tokens->access_token.size(), 64U);
    EXPECT_NE(tokens->access_token, tokens->refresh_token);
    auto user = store_->authenticate(tokens->access_token, now());
    ASSERT_TRUE(user);
    EXPECT_EQ(user->name, "tina");
    EXPECT_EQ(user->role, Role::kTrader);
    // The refresh token is not an access token.
    EXPECT_FALSE(store_->authenticate(tokens->refresh_token, now()));
    // Expired after kAccessSeconds.
    const auto later = now() + Duration::from_seconds(AuthStore::kAccessSeconds + 1);
    EXPECT_FALSE(store_->authenticate(tokens->access_token, later));
    // A refresh gives a new pair; the old refresh token is spent.
    auto renewed = store_->refresh(tokens->refresh_token, later);
    ASSERT_TRUE(renewed);
    EXPECT_TRUE(store_->authenticate(renewed->access_token, later));
    EXPECT_FALSE(store_->refresh(tokens->refresh_token, later));
    // Logout ends the token; removing the user ends all of theirs.
    store_->logout(renewed->access_token);
    EXPECT_FALSE(store_->authenticate(renewed->access_token, later));
    auto third = store_->refresh(renewed->refresh_token, later);
    ASSERT_TRUE(third);
    ASSERT_TRUE(store_->remove_user("tina"));
    EXPECT_FALSE(store_->authenticate(third->access_token, later));
}

TEST_F(AuthTest, WrongPasswordsAreRefusedAlikeAndRateLimited) {
    ASSERT_TRUE(store_->add_user("tina", "trader-pass-1", Role::kTrader));
    const auto unknown = store_->login("nobody", "trader-pass-1", "10.0.0.1", now());
    const auto wrong = store_->login("tina", "wrong-pass-1", "10.0.0.1", now());
    ASSERT_FALSE(unknown);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(unknown.error().message, wrong.error().message);  // no user enumeration
    for (int i = 1; i < AuthStore::kMaxFailures; ++i) {
        EXPECT_FALSE(store_->login("tina", "wrong-pass-1", "10.0.0.1", now()));
    }
    std::int64_t retry = 0;
    const auto limited = store_->login("tina", "trader-pass-1", "10.0.0.1", now(), &retry);
    ASSERT_FALSE(limited);  // even the right password waits
    EXPECT_EQ(limited.error().code, ErrorCode::kUnavailable);
    EXPECT_GT(retry, 0);
    // Another address is not blocked; the window passes.
    EXPECT_TRUE(store_->login("tina", "trader-pass-1", "10.0.0.2", now()));
    const auto later = now() + Duration::from_seconds(AuthStore::kFailureWindowSeconds + 1);
    EXPECT_TRUE(store_->login("tina", "trader-pass-1", "10.0.0.1", later));
}

TEST_F(AuthTest, AuditLogKeepsEveryEntryNewestFirst) {
    for (int i = 0; i < 3; ++i) {
        AuditEntry e;
        e.time = now() + Duration::from_seconds(i);
        e.user = "tina";
        e.action = "session.stop";
        e.target = "s" + std::to_string(i);
        e.result = "ok";
        ASSERT_TRUE(store_->audit(e));
    }
    auto log = store_->audit_log(10);
    ASSERT_TRUE(log);
    ASSERT_EQ(log->size(), 3U);
    EXPECT_EQ((*log)[0].target, "s2");
    EXPECT_EQ((*log)[2].target, "s0");
}

}  // namespace
}  // namespace ats::server
