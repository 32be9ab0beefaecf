#include "ats/execution/portfolio.hpp"

#include <random>

#include <gtest/gtest.h>

#include "testkit.hpp"

namespace ats::execution {
namespace {

using namespace ats::testing;  // NOLINT(google-build-using-namespace): test helpers

model::Fill fill(
    const char* symbol,
    Side side,
    const char* q,
    const char* p,
    const char* fee,
    std::int64_t h = 0) {
    return model::Fill{
        *ClientOrderId::parse("o1"),
        sym(symbol),
        side,
        qty(q),
        px(p),
        money(fee),
        false,
        Timestamp::from_unix_seconds(h * 3600)};
}

TEST(PortfolioTest, LongRoundTripIsExact) {
    Portfolio pf(money("10000"));
    ASSERT_TRUE(pf.apply_fill(fill("BTCUSDT", Side::kBuy, "0.1", "50000", "5", 1)));
    EXPECT_EQ(pf.cash(), money("4995"));
    EXPECT_EQ(pf.position_qty(sym("BTCUSDT")), qty("0.1"));
    pf.mark(sym("BTCUSDT"), px("51000"));
    EXPECT_EQ(pf.equity(), money("10095"));
    EXPECT_EQ(pf.unrealized_pnl(), money("100"));
    ASSERT_TRUE(pf.apply_fill(fill("BTCUSDT", Side::kSell, "0.1", "52000", "5.2", 5)));
    EXPECT_EQ(pf.cash(), money("10189.8"));
    EXPECT_EQ(pf.realized_pnl(), money("200"));
    EXPECT_EQ(pf.fees(), money("10.2"));
    ASSERT_EQ(pf.closed_trades().size(), 1U);
    const auto& t = pf.closed_trades()[0];
    EXPECT_EQ(t.side, Side::kBuy);
    EXPECT_EQ(t.entry_price, px("50000"));
    EXPECT_EQ(t.exit_price, px("52000"));
    EXPECT_EQ(t.qty, qty("0.1"));
    EXPECT_EQ(t.pnl_gross, money("200"));
    EXPECT_EQ(t.fees, money("10.2"));
    EXPECT_EQ(t.pnl_net(), money("189.8"));
    EXPECT_EQ(t.entry_time, Timestamp::from_unix_seconds(3600));
}

TEST(PortfolioTest, BaseAssetFeeKeepsThePositionEqualToTheCoinsReceived) {
    // Binance takes a buy's commission from the coins: 0.1 BTC bought, 0.0001 BTC fee.
    Portfolio pf(money("10000"));
    auto buy = fill("BTCUSDT", Side::kBuy, "0.1", "50000.37", "0", 1);
    buy.base_fee = qty("0.0001");
    ASSERT_TRUE(pf.apply_fill(buy));
    // Cash pays the gross quantity; the position is what the account holds.
    EXPECT_EQ(pf.cash(), money("10000") - money("5000.037"));
    EXPECT_EQ(pf.position_qty(sym("BTCUSDT")), qty("0.0999"));
    EXPECT_EQ(pf.fees(), money("5.000037"));  // 0.0001 BTC at the fill price
    EXPECT_EQ(pf.position(sym("BTCUSDT"))->average_entry(), px("50000.37"));
    // Selling everything held closes the position exactly (the fee on the sell is in quote).
    ASSERT_TRUE(pf.apply_fill(fill("BTCUSDT", Side::kSell, "0.0999", "51000", "5.0949", 2)));
    EXPECT_EQ(pf.position_qty(sym("BTCUSDT")), Qty{});
    EXPECT_EQ(pf.cash(), money("10000") - money("5000.037") + money("5094.9") - money("5.0949"));
    EXPECT_EQ(pf.equity(), pf.cash());
    ASSERT_EQ(pf.closed_trades().size(), 1U);
    EXPECT_EQ(pf.closed_trades()[0].qty, qty("0.0999"));
    EXPECT_EQ(pf.closed_trades()[0].fees, money("5.000037") + money("5.0949"));
    // A base fee on a sell (paid from the coins left) takes more of the position.
    ASSERT_TRUE(pf.apply_fill(fill("BTCUSDT", Side::kBuy, "1", "100", "0", 3)));
    auto sell = fill("BTCUSDT", Side::kSell, "0.5", "110", "0", 4);
    sell.base_fee = qty("0.01");
    ASSERT_TRUE(pf.apply_fill(sell));
    EXPECT_EQ(pf.position_qty(sym("BTCUSDT")), qty("0.49"));
    // A fee as large as the fill is refused, nothing booked.
    const Money before = pf.cash();
    auto bad = fill("BTCUSDT", Side::kBuy, "0.01", "100", "0", 5);
    bad.base_fee = qty("0.01");
    EXPECT_FALSE(pf.apply_fill(bad));
    EXPECT_EQ(pf.cash(), before);
}

TEST(PortfolioTest, ScalingInPartialExitAndFlipToShort) {
    Portfolio pf(money("100000"));
    ASSERT_TRUE(pf.apply_fill(fill("ETHUSDT", Side::kBuy, "1", "2000", "0")));
    ASSERT_TRUE(pf.apply_fill(fill("ETHUSDT", Side::kBuy, "1", "2100", "0")));
    EXPECT_EQ(pf.position(sym("ETHUSDT"))->average_entry(), px("2050"));
    ASSERT_TRUE(pf.apply_fill(fill("ETHUSDT", Side::kSell, "0.5", "2200", "0")));
    EXPECT_EQ(pf.realized_pnl(), money("75"));  // 0.5 * (2200 - 2050)
    EXPECT_TRUE(pf.closed_trades().empty());
    // Sell 3 with 1.5 held: closes the long and opens a 1.5 short at 2300.
    ASSERT_TRUE(pf.apply_fill(fill("ETHUSDT", Side::kSell, "3", "2300", "3")));
    EXPECT_EQ(pf.position_qty(sym("ETHUSDT")), qty("-1.5"));
    ASSERT_EQ(pf.closed_trades().size(), 1U);
    EXPECT_EQ(pf.closed_trades()[0].pnl_gross, money("450"));  // 75 + 1.5 * 250
    EXPECT_EQ(pf.closed_trades()[0].fees, money("1.5"));       // half the flip fill's fee
    EXPECT_EQ(pf.position(sym("ETHUSDT"))->average_entry(), px("2300"));
    // Cover the short at 2200: +150.
    ASSERT_TRUE(pf.apply_fill(fill("ETHUSDT", Side::kBuy, "1.5", "2200", "0")));
    ASSERT_EQ(pf.closed_trades().size(), 2U);
    EXPECT_EQ(pf.closed_trades()[1].side, Side::kSell);
    EXPECT_EQ(pf.closed_trades()[1].pnl_gross, money("150"));
    EXPECT_EQ(pf.closed_trades()[1].fees, money("1.5"));
    EXPECT_EQ(pf.cash(), money("100597"));  // 100000 + 75 + 375 + 150 - 3
}

TEST(PortfolioTest, RandomFillsAlwaysReconcile) {
    // apply_fill checks (and aborts on) every invariant; here we also recompute them independently.
    std::mt19937_64 rng(11);
    std::uniform_int_distribution<int> side(0, 1);
    std::uniform_int_distribution<std::int64_t> q(1, 5'000'000);  // 0.00000001 .. 0.05
    std::uniform_int_distribution<std::int64_t> p(1'000'000'000, 9'000'000'000'000);
    Portfolio pf(money("1000000"));
    Qty expected_qty;
    Money flows;
    Money fees;
    for (int i = 0; i < 20'000; ++i) {
        const Side s = side(rng) == 0 ? Side::kBuy : Side::kSell;
        const model::Fill f{
            *ClientOrderId::parse("o"),
            sym("BTCUSDT"),
            s,
            Qty::from_raw(q(rng)),
            Price::from_raw(p(rng)),
            Money::from_raw(q(rng) / 10),
            false,
            Timestamp{}};
        ASSERT_TRUE(pf.apply_fill(f));
        expected_qty += f.qty * sign(s);
        flows -= *notional(f.price, f.qty, Round::kHalfEven) * sign(s);
        fees += f.fee;
        pf.mark(sym("BTCUSDT"), f.price);
    }
    EXPECT_EQ(pf.position_qty(sym("BTCUSDT")), expected_qty);
    EXPECT_EQ(pf.cash(), money("1000000") + flows - fees);
    EXPECT_EQ(pf.equity(), money("1000000") + pf.realized_pnl() + pf.unrealized_pnl() - pf.fees());
}

// A base-asset commission leaves less than a lot step after a full exit: the trade is closed
// (Kelly sizing and reports see it), the dust is valued but never enters the next trade's average.
TEST(PortfolioTest, DustClosesTheTradeAndStaysOutOfTheNextOne) {
    Portfolio pf(money("10000"));
    pf.set_lot_rules(sym("BTCUSDT"), qty("0.00001"), qty("0.00001"), money("5"));
    auto buy = fill("BTCUSDT", Side::kBuy, "0.10391", "96233.62", "0", 1);
    buy.base_fee = qty("0.00010391");
    ASSERT_TRUE(pf.apply_fill(buy));
    EXPECT_EQ(pf.position_qty(sym("BTCUSDT")), qty("0.10380609"));
    EXPECT_TRUE(pf.closed_trades().empty());
    // The engine sells what the exchange accepts: 0.1038 (step 0.00001).
    ASSERT_TRUE(pf.apply_fill(fill("BTCUSDT", Side::kSell, "0.1038", "96451.08", "10.01", 2)));
    ASSERT_EQ(pf.closed_trades().size(), 1U);
    EXPECT_EQ(pf.closed_trades()[0].exit_price, px("96451.08"));
    const Position* p = pf.position(sym("BTCUSDT"));
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(p->qty.is_zero());
    EXPECT_EQ(p->dust, qty("0.00000609"));
    EXPECT_EQ(pf.position_qty(sym("BTCUSDT")), qty("0.00000609"));  // what the account holds
    // The next trade's average is its own fill's price, not mixed with the dust's.
    auto again = fill("BTCUSDT", Side::kBuy, "0.1", "90000", "0", 3);
    again.base_fee = qty("0.0001");
    ASSERT_TRUE(pf.apply_fill(again));
    p = pf.position(sym("BTCUSDT"));
    EXPECT_EQ(p->average_entry(), px("90000"));
    EXPECT_EQ(p->qty, qty("0.0999"));
    EXPECT_EQ(pf.position_qty(sym("BTCUSDT")), qty("0.09990609"));
    pf.mark(sym("BTCUSDT"), px("91000"));
    // Equity values the dust too: cash + 0.09990609 x 91000.
    EXPECT_EQ(pf.equity(), pf.cash() + *notional(px("91000"), qty("0.09990609"), Round::kHalfEven));
    // Selling more than the trade takes the dust: the account ends flat and still reconciles.
    ASSERT_TRUE(pf.apply_fill(fill("BTCUSDT", Side::kSell, "0.09990609", "91000", "9", 4)));
    EXPECT_TRUE(pf.position_qty(sym("BTCUSDT")).is_zero());
    EXPECT_EQ(pf.closed_trades().size(), 2U);
    EXPECT_EQ(pf.equity(), pf.cash());
}

// Meme-coin and whale sizes: exact, and beyond the portfolio's range a refusal, never an abort.
TEST(PortfolioTest, HugeQuantitiesAreExactAndBeyondTheRangeRefused) {
    Portfolio pf(*Money::parse("1000000000000"));  // 1e12 quote
    // 1e12 coins at 0.5: a position worth 5e11.
    ASSERT_TRUE(pf.apply_fill(fill("PEPEUSDT", Side::kBuy, "1000000000000", "0.5", "500")));
    pf.mark(sym("PEPEUSDT"), px("0.9"));
    EXPECT_EQ(pf.equity().to_string(), "1399999999500");
    // A coin that rises 1e12-fold is still valued exactly.
    Portfolio meme(money("100"));
    ASSERT_TRUE(meme.apply_fill(fill("MEMEUSDT", Side::kBuy, "10000000000", "0.00000001", "0")));
    meme.mark(sym("MEMEUSDT"), px("10000"));
    EXPECT_EQ(meme.equity().to_string(), "100000000000000");
    // Past kMaxPositionUnits: refused, nothing booked.
    const Money cash = pf.cash();
    auto whale = fill("PEPEUSDT", Side::kBuy, "99999999999999999999", "0.00000001", "0");
    const auto s = pf.apply_fill(whale);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::kOutOfRange);
    EXPECT_EQ(pf.cash(), cash);
    EXPECT_EQ(pf.position_qty(sym("PEPEUSDT")), qty("1000000000000"));
    // A notional past 128 bits: refused too.
    auto absurd = fill("PEPEUSDT", Side::kBuy, "99999999999999999999", "90000000000", "0");
    EXPECT_FALSE(pf.apply_fill(absurd));
}

TEST(PortfolioTest, RejectsNonsenseFills) {
    Portfolio pf(money("100"));
    EXPECT_FALSE(pf.apply_fill(fill("BTCUSDT", Side::kBuy, "0", "1", "0")));
    auto f = fill("BTCUSDT", Side::kBuy, "1", "1", "0");
    f.fee = money("-1");
    EXPECT_FALSE(pf.apply_fill(f));
    EXPECT_EQ(pf.cash(), money("100"));
}

}  // namespace
}  // namespace ats::execution
