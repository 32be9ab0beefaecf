#pragma once

// Journaling pieces shared by the paper and live sessions (private to the runtime layer).

#include <csignal>
#include <cstdlib>
#include <functional>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "ats/core/error.hpp"
#include "ats/model/ports.hpp"

namespace ats::runtime::detail {

/// Test hook: ATS_TEST_CRASH_AFTER=N makes the process SIGKILL itself at its N-th crash point
/// (each journal append and the moment after an order intent is on disk, before it is sent).
/// The crash test uses it to kill at exactly reproducible moments, the worst ones included.
class CrashHook {
public:
    CrashHook() {
        if (const char* env = std::getenv("ATS_TEST_CRASH_AFTER")) {
            remaining_ = std::strtoll(env, nullptr, 10);
        }
        if (const char* env = std::getenv("ATS_TEST_CRASH_AT_INTENT")) {
            intents_left_ = std::strtoll(env, nullptr, 10);
        }
        if (const char* env = std::getenv("ATS_TEST_CRASH_AFTER_SEND")) {
            sends_left_ = std::strtoll(env, nullptr, 10);
        }
    }
    void point() {
        if (remaining_ > 0 && --remaining_ == 0) {
            std::raise(SIGKILL);
        }
    }
    /// After an order intent is on disk, before its request leaves: the N-th one dies here.
    void intent_point() {
        if (intents_left_ > 0 && --intents_left_ == 0) {
            std::raise(SIGKILL);
        }
    }

    /// After the venue took an order, before its outcome is journaled: the N-th one dies here.
    void sent_point() {
        if (sends_left_ > 0 && --sends_left_ == 0) {
            std::raise(SIGKILL);
        }
    }

private:
    long long remaining_ = 0;
    long long intents_left_ = 0;
    long long sends_left_ = 0;
};

/// Journals every event; while the journal already holds an event at this sequence (a restart),
/// checks the regenerated event against it instead.
class Journaler final : public model::EventObserver {
public:
    Journaler(model::StateStore& store, CrashHook& crash)
        : store_(store), crash_(crash), stored_(store.journal_size()) {}

    void on_event(const model::Event& event) override {
        if (failure_) {
            return;
        }
        ++seq_;
        if (next_observer_ != nullptr) {
            next_observer_->on_event(event);  // replayed events too: a watcher rebuilds its view
        }
        if (seq_ <= stored_) {
            verify(event);
            return;
        }
        crash_.point();
        if (auto s = store_.append(event); !s) {
            failure_ = s.error();
            return;
        }
        if (fill_listener_) {
            if (const auto* f = std::get_if<model::OrderFilled>(&event)) {
                fill_listener_(*f);
            }
        }
    }

    bool replaying() const noexcept { return seq_ < stored_; }
    /// Appends after the stored journal without replaying it (a live session's restart rebuilds
    /// its books from the stored fills, not by replaying the feed).
    void continue_after_stored() noexcept { seq_ = stored_; }
    void set_fill_listener(std::function<void(const model::OrderFilled&)> listener) {
        fill_listener_ = std::move(listener);
    }
    /// Another observer that sees every event after the journal (a dashboard's stream).
    void set_next_observer(model::EventObserver* observer) noexcept { next_observer_ = observer; }
    std::uint64_t sequence() const noexcept { return seq_; }
    const std::optional<Error>& failure() const noexcept { return failure_; }
    void fail(Error e) {
        if (!failure_) {
            failure_ = std::move(e);
        }
    }

private:
    void verify(const model::Event& event) {
        if (next_ >= chunk_.size()) {
            auto read = store_.read_journal(seq_, 4096);
            if (!read) {
                failure_ = read.error();
                return;
            }
            chunk_ = std::move(*read);
            next_ = 0;
        }
        if (next_ >= chunk_.size() || chunk_[next_].sequence != seq_) {
            failure_ =
                Error{ErrorCode::kParse, fmt::format("state journal has a hole at event {}", seq_)};
            return;
        }
        const model::JournalEntry& stored = chunk_[next_++];
        const std::string now = model::to_json_line(event);
        if (stored.body != now) {
            failure_ = Error{
                ErrorCode::kFailedPrecondition,
                fmt::format(
                    "replay diverges from the state journal at event {}: stored {} but the engine "
                    "produced {} (was the state file written with other data or settings?)",
                    seq_,
                    stored.body,
                    now)};
        }
    }

    model::StateStore& store_;
    CrashHook& crash_;
    std::uint64_t stored_;
    std::uint64_t seq_ = 0;
    std::vector<model::JournalEntry> chunk_;
    std::size_t next_ = 0;
    std::optional<Error> failure_;
    std::function<void(const model::OrderFilled&)> fill_listener_;
    model::EventObserver* next_observer_ = nullptr;
};

/// The write-ahead rule at the venue port: an order reaches the venue only after its intent is
/// committed to the state store. An intent already on disk (a replay after a restart) is not
/// recorded again.
class DurableVenue final : public model::ExecutionVenue {
public:
    DurableVenue(
        model::StateStore& store,
        model::ExecutionVenue& venue,
        Journaler& journal,
        CrashHook& crash)
        : store_(store), venue_(venue), journal_(journal), crash_(crash) {}

    Status submit(const model::Order& order, std::optional<Money> quote_budget) override {
        if (journal_.failure()) {
            return make_error(
                ErrorCode::kRejected, "state store failed: trading halted, order not sent");
        }
        auto recorded = store_.record_order_intent(order, quote_budget);
        if (!recorded && recorded.error().code == ErrorCode::kAlreadyExists) {
            ++recovered_;
        } else if (!recorded) {
            journal_.fail(recorded.error());
            return make_error(
                ErrorCode::kRejected, fmt::format("order not sent: {}", recorded.error().message));
        } else {
            ++sent_;
            crash_.point();
            crash_.intent_point();
        }
        auto sent = venue_.submit(order, quote_budget);
        crash_.sent_point();
        return sent;
    }
    Status cancel(const ClientOrderId& id) override { return venue_.cancel(id); }

    std::uint64_t sent() const noexcept { return sent_; }
    std::uint64_t recovered() const noexcept { return recovered_; }

private:
    model::StateStore& store_;
    model::ExecutionVenue& venue_;
    Journaler& journal_;
    CrashHook& crash_;
    std::uint64_t sent_ = 0;
    std::uint64_t recovered_ = 0;
};

/// Forwards alerts to the real notifier only for new events: a replay after a restart must not
/// alert people again about the past. Fills become info alerts too.
class LiveNotifier final : public model::Notifier {
public:
    LiveNotifier(model::Notifier* target, const Journaler& journal)
        : target_(target), journal_(journal) {}
    void notify(const model::AlertLogged& alert) override {
        if (target_ != nullptr && !journal_.replaying()) {
            target_->notify(alert);
        }
    }
    void on_fill(const model::OrderFilled& f, Timestamp now) {
        if (target_ == nullptr || journal_.replaying()) {
            return;
        }
        const auto& x = f.fill;
        target_->notify(model::AlertLogged{
            f.ts_event,
            now,
            model::AlertLevel::kInfo,
            model::Text(fmt::format(
                "filled {} {} {} @ {} (fee {}{}, order {})",
                to_string(x.side),
                x.qty,
                x.symbol,
                x.price,
                x.fee,
                x.base_fee.is_zero() ? std::string() : fmt::format(" + {} base", x.base_fee),
                x.order_id.str()))});
    }

private:
    model::Notifier* target_;
    const Journaler& journal_;
};

}  // namespace ats::runtime::detail
