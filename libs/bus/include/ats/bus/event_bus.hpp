#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <string>
#include <variant>

#include "ats/core/error.hpp"
#include "ats/model/events.hpp"
#include "ats/model/ports.hpp"

namespace ats::bus {

/// The engine's event queue: a FIFO that components publish into (it is their EventSink) and the
/// engine drains in one thread, so the dispatch order is deterministic: an event raised while
/// handling another is handled after everything queued before it. Optionally every dispatched
/// event is appended to a journal file, one JSON line each, for replay and debugging.
/// Not thread-safe: I/O threads post through the engine, never here directly.
class EventBus final : public model::EventSink {
public:
    static constexpr std::size_t kEventTypes = std::variant_size_v<model::Event>;

    EventBus() = default;
    EventBus(const EventBus&) = delete;
    EventBus& operator=(const EventBus&) = delete;
    ~EventBus() override;

    void emit(model::Event event) override { queue_.push_back(std::move(event)); }

    /// Pops and hands every queued event (including those raised meanwhile) to `handler`.
    template <class Handler>
    void drain(Handler&& handler) {
        while (!queue_.empty()) {
            model::Event event = std::move(queue_.front());
            queue_.pop_front();
            ++counts_[event.index()];
            if (journal_ != nullptr) {
                record(event);
            }
            if (observer_ != nullptr) {
                observer_->on_event(event);
            }
            handler(event);
        }
    }

    /// Counts (and journals) an event that the engine hands to its one consumer directly instead
    /// of queueing it, e.g. MarketData when the queue is empty: the same order, two copies fewer.
    /// `make` builds the event only when a journal is open.
    template <class Make>
    void record_direct(std::size_t index, Make&& make) {
        ++counts_[index];
        if (journal_ != nullptr || observer_ != nullptr) {
            const model::Event event = make();
            if (journal_ != nullptr) {
                record(event);
            }
            if (observer_ != nullptr) {
                observer_->on_event(event);
            }
        }
    }

    bool empty() const noexcept { return queue_.empty(); }
    /// Events dispatched so far, by variant index.
    const std::array<std::uint64_t, kEventTypes>& counts() const noexcept { return counts_; }
    std::uint64_t dispatched() const noexcept;

    /// Starts writing the journal to `path` (truncating it). kIo when it cannot be opened.
    Status open_journal(const std::string& path);
    void close_journal();
    /// Every dispatched (or directly recorded) event is shown to `observer` before its handler
    /// runs; nullptr turns it off. Not owned.
    void set_observer(model::EventObserver* observer) noexcept { observer_ = observer; }

private:
    void record(const model::Event& event);

    std::deque<model::Event> queue_;
    std::array<std::uint64_t, kEventTypes> counts_{};
    std::FILE* journal_ = nullptr;
    model::EventObserver* observer_ = nullptr;
};

}  // namespace ats::bus
