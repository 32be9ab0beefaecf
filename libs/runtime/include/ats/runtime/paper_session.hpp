#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/engine/trading_engine.hpp"
#include "ats/model/bar_series.hpp"
#include "ats/model/instrument.hpp"
#include "ats/model/ports.hpp"
#include "ats/runtime/session_control.hpp"
#include "ats/sim/bar_venue.hpp"
#include "ats/store/sqlite_state_store.hpp"
#include "ats/strategy/strategy.hpp"

namespace ats::runtime {

/// One replayed asset: its exchange filters and its bars (from the feed file).
struct PaperAsset {
    model::Instrument instrument;
    model::BarSeries series;
};

/// A scheduled job of the session: runs on the engine clock (feed time), on new bars only, so a
/// replay after a restart never runs a job twice.
struct PaperJob {
    std::string name;
    std::string cron;  ///< e.g. "0 3 * * 1"
    std::function<Status(const engine::TradingEngine&, Timestamp now)> run;
};

struct PaperConfig {
    std::string strategy = "sma_cross";
    strategy::Params params;
    strategy::StrategySources sources;
    engine::EngineConfig engine;
    sim::BarVenueConfig venue;
    std::string slippage = "none";
    /// Replay pacing: bar time per wall time (60 = one minute of bars per second); 0 = as fast
    /// as possible. Bars recovered from the journal are always replayed at full speed.
    double speed = 0;
    std::string state_path = "ats.db";
    store::StateStoreOptions store;
    /// The effective session configuration; a restart with a different one is refused.
    std::string session_text;
    /// Durability points: every N input bars the batch is committed and StateSaved emitted. A
    /// restart replays from the first bar whatever N is, and order intents commit at once, so a
    /// large N costs no recovery time and loses nothing; it only delays what observers see.
    std::uint64_t commit_every_bars = 1024;
    /// Every N input bars a snapshot of the account is written (a multiple of commit_every_bars).
    std::uint64_t snapshot_every_bars = 8192;
    /// Set from a signal handler to stop at the next bar (state is committed first).
    const std::atomic<bool>* stop = nullptr;
    /// Cron jobs; their runs go to the state file's job history, failures to the notifier.
    std::vector<PaperJob> jobs;
    /// Receives engine alerts, recovery findings and job failures (not owned; may be null).
    model::Notifier* notifier = nullptr;
    /// Operator commands in, a view of each step out (the dashboard); not owned, may be null.
    SessionControl* control = nullptr;
    /// Sees every event after the journal, replayed ones included (not owned, may be null).
    model::EventObserver* observer = nullptr;
};

struct PaperPosition {
    Symbol symbol;
    Qty qty;
    Price average_entry;
};

struct PaperResult {
    std::uint64_t starts = 0;            ///< times this state file was started, this one included
    std::uint64_t bars_total = 0;        ///< bars in the feed
    std::uint64_t bars_replayed = 0;     ///< bars rebuilt from the journal on this start
    std::uint64_t bars_new = 0;          ///< bars first processed on this start
    std::uint64_t events = 0;            ///< events dispatched by this process
    std::uint64_t journal_size = 0;      ///< events in the journal at the end
    std::uint64_t orders_sent = 0;       ///< order intents first recorded and sent by this process
    std::uint64_t orders_recovered = 0;  ///< intents found already recorded (replayed, not resent)
    std::uint64_t fills = 0;
    std::uint64_t trades = 0;
    std::uint64_t job_runs = 0;
    std::uint64_t job_failures = 0;
    bool finished = false;  ///< the replay feed ended (false: stopped by a signal)
    Money initial_cash;
    Money cash;
    Money equity;
    Money fees;
    std::vector<PaperPosition> positions;
    std::vector<std::string> recovery_notes;  ///< reconciliation findings (empty: all matched)
    std::uint64_t commands = 0;               ///< operator commands applied (replayed included)
    double seconds = 0;
};

/// Paper trading over replayed feeds with crash-safe state: the backtest's TradingEngine,
/// strategy, risk and order manager against a BarVenue that fills from the incoming bars.
///
/// Every dispatched event is journaled in the state store; every order intent is committed
/// before it reaches the venue. A start (first or after a crash) is one code path: open the
/// store, replay the feed through a fresh engine while checking each regenerated event against
/// the journal (rebuilding indicators, orders, positions and the venue), reconcile, then go on
/// with new bars. kParse for a corrupt state file, kFailedPrecondition when the state file
/// belongs to another session or the replay diverges, kIo when a write fails (trading stops:
/// no order leaves without its intent on disk).
Result<PaperResult> run_paper(const PaperConfig& config, const std::vector<PaperAsset>& assets);

}  // namespace ats::runtime
