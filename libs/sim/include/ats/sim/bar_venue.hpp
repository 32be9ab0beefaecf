#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "ats/core/clock.hpp"
#include "ats/model/bar.hpp"
#include "ats/model/instrument.hpp"
#include "ats/model/order.hpp"
#include "ats/model/ports.hpp"
#include "ats/sim/bar_path.hpp"
#include "ats/sim/models.hpp"

namespace ats::sim {

/// When market orders decided at a bar's close fill.
enum class MarketFill : std::uint8_t {
    kNextOpen,     ///< at the open of the next bar (default, no look-ahead)
    kSignalClose,  ///< at the close of the decision bar (zero-latency idealisation)
};

struct BarVenueConfig {
    FeeModel fees;
    MarketFill market_fill = MarketFill::kNextOpen;
    /// Quote balance of the account (spot). When set, a buy whose notional + fee exceeds the
    /// free quote balance is rejected ("insufficient balance"), as a spot exchange does.
    std::optional<Money> quote_balance;
    /// Margin shorting: when false, a sell larger than the base held is rejected.
    bool allow_short = false;
};

/// A simulated exchange that fills orders against OHLC bars, for backtests and paper trading.
///
/// Each bar is a price path (see BarPath: open, nearer extreme, other extreme, close, at constant
/// speed over the bar's time), and every fill is a point on it with a time inside the bar. A bar
/// is driven in three steps:
/// 1. `open_bar`: the bar starts; nothing has filled yet.
/// 2. `next_fill_time` / `fill_next`: the earliest fill among the working orders, one at a time,
///    so the caller can hand each fill to the engine (whose reactions, such as a protective stop
///    after an entry, are placed at that point and matched only against the rest of the path).
///    `run_bar` does steps 1-2 for one symbol with a callback in between.
/// 3. `close_bar`: after the strategies saw the closed bar; with kSignalClose, market orders
///    decided at this close fill at it. The bar becomes history for the slippage models.
///
/// Causality: an order is matched only against the part of a bar's path after it was placed
/// (`clock.now()` at submit); an order placed at or after a bar's close waits for the next bar.
///
/// Fill rules (taker prices get slippage, then are clamped to the bar's [low, high], rounded to
/// the tick against the taker, and never pass a limit order's limit):
/// - market: at the path's price where it becomes eligible (the open for orders placed before
///   the bar), taker;
/// - stop-market and take-profit: when the path reaches the trigger, at the trigger, or at the
///   open when the bar opens through it; taker. A trigger order that was reached stays
///   triggered: whatever a volume cap left unfilled fills at market on later bars;
/// - limit: maker at the limit when the path reaches it; taker at the path's price when it is
///   already marketable where it becomes eligible (at the open for resting orders);
/// - stop-limit: triggers like a stop, fills as a taker at the trigger price if that is within
///   the limit, else rests as a limit from the trigger point (and stays triggered).
/// Of one OCO group, whichever the path reaches first fills and the others are canceled.
/// Reduce-only orders (exits, stops, targets) never increase a position: the venue tracks each
/// symbol's net position from its own fills, caps a reduce-only fill at it, and cancels a
/// reduce-only order that would open or grow a position. A volume-participation model caps
/// each bar's fills (from closed bars' volume) and leaves the rest working. All-in (quote-budget)
/// market buys are sized at each fill: qty = budget left / (price * (1 + taker fee)), rounded
/// down to the step, then stepped down until notional + fee <= budget left; a partly filled one
/// keeps the rest of its budget for later bars and reports `order_complete` on its last fill.
class BarVenue final : public model::ExecutionVenue {
public:
    BarVenue(
        const Clock& clock,
        model::EventSink& sink,
        BarVenueConfig config,
        std::unique_ptr<SlippageModel> slippage);

    void add_instrument(const model::Instrument& instrument);

    Status submit(const model::Order& order, std::optional<Money> quote_budget) override;
    Status cancel(const ClientOrderId& id) override;

    /// A symbol's book, for drivers that look it up once (ids are stable: books are never
    /// removed). nullopt for a symbol not added.
    using BookId = std::size_t;
    std::optional<BookId> book_id(const Symbol& symbol) const;

    /// Step 1: `bar` of `symbol` starts. The venue keeps a reference: `bar` must stay valid until
    /// close_bar.
    void open_bar(BookId id, const model::Bar& bar);
    /// Step 2: when the earliest possible fill of the book's open bar happens; nullopt when no
    /// working order fills in the rest of the bar.
    std::optional<Timestamp> next_fill_time(BookId id) {
        Timestamp at;
        return next_fill_time(id, at) ? std::optional<Timestamp>(at) : std::nullopt;
    }
    /// The same without an optional (the replay kernel's hot path): false when none.
    bool next_fill_time(BookId id, Timestamp& at);
    /// Executes that fill (and the cancels it causes); events go to the sink.
    void fill_next(BookId id);
    /// Step 3: the bar closed and the strategies decided.
    void close_bar(BookId id);

    /// The same by symbol (nothing happens for a symbol not added).
    void open_bar(const Symbol& symbol, const model::Bar& bar);
    std::optional<Timestamp> next_fill_time(const Symbol& symbol);
    void fill_next(const Symbol& symbol);
    void close_bar(const Symbol& symbol);
    /// Steps 1-2 for one symbol; `after_fill` runs after every fill (the engine's turn). The
    /// clock must already be at the bar's open; the caller advances it to each fill time through
    /// `advance`.
    template <class Advance, class AfterFill>
    void run_bar(
        const Symbol& symbol, const model::Bar& bar, Advance&& advance, AfterFill&& after) {
        open_bar(symbol, bar);
        while (const auto t = next_fill_time(symbol)) {
            advance(*t);
            fill_next(symbol);
            after();
        }
    }

    std::size_t working_orders() const noexcept { return working_.size(); }
    /// Client ids of the working orders, in arrival order (for reconciliation).
    std::vector<ClientOrderId> working_order_ids() const;
    /// The venue's own net position of `symbol`, from its fills.
    Qty net_position(const Symbol& symbol) const;
    /// The quote balance when the account has one.
    std::optional<Money> quote_balance() const noexcept { return cash_; }

private:
    struct Working {
        ClientOrderId id;
        model::OrderRequest request;
        Qty remaining;
        std::optional<Money> budget;  // all-in: quote left to spend
        Timestamp placed;
        bool triggered = false;                 // a stop or target whose trigger the path reached
        bool filled_any = false;                // min notional is checked on the first fill only
        bool done_for_bar = false;              // blocked (volume cap) until the next bar
        std::optional<BarPath::Distance> from;  // where it joined the open bar's path
    };
    struct Book {  // per symbol
        Symbol symbol;
        model::Instrument instrument;
        Qty held;
        MarketContext known;
        const model::Bar* bar = nullptr;      // the open bar (the caller's, see open_bar)
        mutable std::optional<BarPath> path;  // its path, built when an order needs it
        BarPath::Distance now = 0;            // the last fill's position on it
        std::optional<Qty> cap_left;          // volume-participation cap left in the open bar
    };
    struct Candidate {
        std::size_t index = 0;
        BarPath::Distance at = 0;
        Price price;
        bool maker = false;
        bool limit_capped = false;  // a limit (or triggered stop-limit) taker: never past it
    };

    Book* book(const Symbol& symbol);
    const Book* book(const Symbol& symbol) const;
    static const BarPath& path_of(const Book& b);
    std::optional<Candidate> candidate(const Book& b, std::size_t index) const;
    std::optional<Candidate> earliest(const Book& b) const;
    /// Fills `w` at `c`; returns false when the order was refused or canceled.
    bool fill(Book& b, Working& w, const Candidate& c, Timestamp at);
    Price taker_price(const Book& b, const Working& w, Price price, bool limit_capped) const;
    void cancel_group(std::uint32_t group, const ClientOrderId& except, Timestamp at);
    void reject(const Working& w, std::string_view reason, Timestamp at);
    void erase_finished();

    const Clock& clock_;
    model::EventSink& sink_;
    BarVenueConfig config_;
    std::unique_ptr<SlippageModel> slippage_;
    std::vector<Book> books_;
    std::vector<Working> working_;
    std::optional<Money> cash_;  // quote balance, from fills
    bool caps_volume_ = false;   // the slippage model limits fills per bar
};

}  // namespace ats::sim
