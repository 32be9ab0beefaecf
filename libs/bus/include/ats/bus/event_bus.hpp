#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/model/events.hpp"
#include "ats/model/ports.hpp"

namespace ats::bus {

namespace detail {

/// A FIFO of events in one growing ring of slots: after it has grown to the deepest queue the
/// engine reached, pushing and popping never allocate (std::deque allocated a block for nearly
/// every event, as an event is bigger than its 512-byte blocks hold more than one of).
class EventRing {
public:
    EventRing() : slots_(kInitialSlots) {}

    bool empty() const noexcept { return count_ == 0; }
    std::size_t size() const noexcept { return count_; }

    void push(model::Event&& event) {
        if (count_ == slots_.size()) {
            grow();
        }
        slots_[(head_ + count_) & (slots_.size() - 1)].emplace(std::move(event));
        ++count_;
    }

    /// Moves the oldest event out. The queue must not be empty.
    model::Event pop() noexcept {
        model::Event event = std::move(*slots_[head_]);
        slots_[head_].reset();
        head_ = (head_ + 1) & (slots_.size() - 1);
        --count_;
        return event;
    }

private:
    static constexpr std::size_t kInitialSlots = 64;  // a power of two

    void grow() {
        std::vector<std::optional<model::Event>> bigger(slots_.size() * 2);
        for (std::size_t i = 0; i < count_; ++i) {
            bigger[i] = std::move(slots_[(head_ + i) & (slots_.size() - 1)]);
        }
        slots_ = std::move(bigger);
        head_ = 0;
    }

    std::vector<std::optional<model::Event>> slots_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
};

}  // namespace detail

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

    void emit(model::Event event) override { queue_.push(std::move(event)); }

    /// Pops and hands every queued event (including those raised meanwhile) to `handler`.
    template <class Handler>
    void drain(Handler&& handler) {
        while (!queue_.empty()) {
            model::Event event = queue_.pop();
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

    detail::EventRing queue_;
    std::array<std::uint64_t, kEventTypes> counts_{};
    std::FILE* journal_ = nullptr;
    model::EventObserver* observer_ = nullptr;
};

}  // namespace ats::bus
