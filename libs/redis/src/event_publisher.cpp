#include "ats/redis/event_publisher.hpp"

#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "ats/core/log.hpp"

namespace ats::redis {
namespace {

struct Queued {
    std::uint64_t seq = 0;
    model::Event event;
};

std::int64_t event_time_ns(const model::Event& e) {
    return std::visit([](const auto& x) { return x.ts_event.unix_ns(); }, e);
}

}  // namespace

struct EventPublisher::Impl {
    PublisherConfig config;
    std::string id;
    mutable std::mutex mu;
    std::condition_variable wake;      // the sender waits for events or stop
    std::condition_variable progress;  // flush() waits for the sender
    // Guarded by mu.
    std::vector<Queued> queue;
    std::uint64_t next_seq = 0;
    std::uint64_t acked_seq = 0;  // every seq <= this is published (or dropped)
    std::size_t in_flight = 0;    // events the sender has taken and not yet confirmed
    std::uint64_t last_queued_seq = 0;
    std::uint64_t skipped = 0;
    Counters counters;
    bool stop = false;
    std::thread sender;

    void warn(const std::string& message) {
        log::warn("{}", message);
        if (config.on_warning) {
            config.on_warning(message);
        }
    }

    // The XADD of one event.
    void xadd(const Queued& q, RespWriter& w) const {
        w.command(16);
        w.arg("XADD");
        w.arg(config.stream);
        w.arg("MAXLEN");
        w.arg("~");
        w.arg(static_cast<std::int64_t>(config.max_len));
        w.arg("*");
        w.arg("type");
        w.arg(model::event_name(q.event));
        w.arg("ts");
        w.arg(event_time_ns(q.event));
        w.arg("publisher");
        w.arg(id);
        w.arg("seq");
        w.arg(static_cast<std::int64_t>(q.seq));
        w.arg("json");
        w.arg(model::to_json_line(q.event));
    }

    // The latest-bar hash of a symbol.
    void hset(const model::MarketData& md, std::uint64_t seq, RespWriter& w) const {
        const model::Bar& b = md.bar;
        w.command(18);
        w.arg("HSET");
        w.arg(config.key_prefix + "bar:" + md.symbol.to_string());
        w.arg("open_time_ms");
        w.arg(b.open_time.unix_ms());
        w.arg("close_time_ms");
        w.arg(b.close_time.unix_ms());
        w.arg("open");
        w.arg(b.open.to_string());
        w.arg("high");
        w.arg(b.high.to_string());
        w.arg("low");
        w.arg(b.low.to_string());
        w.arg("close");
        w.arg(b.close.to_string());
        w.arg("volume");
        w.arg(b.volume.to_string());
        w.arg("seq");
        w.arg(static_cast<std::int64_t>(seq));
    }

    void run() {
        std::optional<Connection> connection;
        std::chrono::milliseconds backoff = config.retry_min;
        bool warned_down = false;
        // Events taken from the queue and not yet confirmed (this thread only): the queue is
        // swapped out in O(1), so the engine thread never waits while a batch is prepared.
        std::vector<Queued> pending;
        std::size_t done = 0;  // pending[0, done) are confirmed
        RespWriter resp;
        while (true) {
            {
                std::unique_lock lock(mu);
                if (done == pending.size()) {
                    pending.clear();
                    done = 0;
                    wake.wait_for(lock, std::chrono::milliseconds(50), [&] {
                        return stop || !queue.empty();
                    });
                    if (queue.empty()) {
                        if (stop) {
                            return;
                        }
                        continue;
                    }
                    pending.swap(queue);  // the queue gets the old buffer (its capacity)
                    in_flight = pending.size();
                }
                if (stop && !connection) {
                    return;  // shutting down with Redis away: nothing more to try
                }
            }
            const std::size_t in_batch = std::min(pending.size() - done, config.batch);
            if (!connection) {
                auto c = Connection::connect(config.endpoint);
                if (!c) {
                    {
                        std::lock_guard lock(mu);
                        ++counters.failures;
                        counters.connected = false;
                    }
                    if (!warned_down) {
                        warned_down = true;
                        warn(fmt::format(
                            "redis unavailable ({}); events are kept in memory (up to {}) and "
                            "trading goes on",
                            c.error().message,
                            config.max_buffer));
                    }
                    std::unique_lock lock(mu);
                    wake.wait_for(lock, backoff, [&] { return stop; });
                    backoff = std::min(config.retry_max, backoff * 2);
                    continue;
                }
                connection = std::move(*c);
                backoff = config.retry_min;
                std::size_t buffered = 0;
                {
                    std::lock_guard lock(mu);
                    counters.connected = true;
                    if (warned_down) {
                        ++counters.reconnects;
                    }
                    buffered = queue.size() + pending.size() - done;
                }
                if (warned_down) {
                    warned_down = false;
                    warn(fmt::format(
                        "redis {} is back; publishing {} buffered events",
                        config.endpoint.to_string(),
                        buffered));
                }
            }
            // One buffer of RESP per batch: the XADDs in order, then the latest bar per symbol.
            resp.clear();
            std::map<Symbol, std::size_t> latest;  // symbol -> batch index of its last bar
            for (std::size_t i = 0; i < in_batch; ++i) {
                xadd(pending[done + i], resp);
                if (const auto* md = std::get_if<model::MarketData>(&pending[done + i].event)) {
                    latest[md->symbol] = i;
                }
            }
            for (const auto& [symbol, i] : latest) {
                hset(
                    std::get<model::MarketData>(pending[done + i].event),
                    pending[done + i].seq,
                    resp);
            }
            const std::size_t xadds = in_batch;
            bool broken = !connection->append_formatted(resp.data());
            // Entries are confirmed in order; the first lost reply ends the batch.
            std::size_t confirmed = 0;
            std::size_t rejected = 0;
            if (!broken) {
                for (std::size_t i = 0; i < resp.commands(); ++i) {
                    auto reply = connection->get_reply();
                    if (!reply && reply.error().code != ErrorCode::kRejected) {
                        broken = true;
                        break;
                    }
                    if (!reply) {
                        ++rejected;  // a server error for one command: not retried
                        log::warn("redis publisher: {}", reply.error().message);
                    }
                    if (i < xadds) {
                        confirmed = i + 1;
                    }
                }
            }
            const std::uint64_t last = confirmed > 0 ? pending[done + confirmed - 1].seq : 0;
            done += confirmed;
            {
                std::lock_guard lock(mu);
                counters.published += confirmed;
                counters.failures += rejected;
                if (last > acked_seq) {
                    acked_seq = last;
                }
                in_flight = pending.size() - done;
                counters.buffered = queue.size() + in_flight;
                if (broken) {
                    ++counters.failures;
                    counters.connected = false;
                }
            }
            progress.notify_all();
            if (broken) {
                connection.reset();
                warned_down = true;
                warn(fmt::format(
                    "redis {} connection lost; reconnecting (events are kept, trading goes on)",
                    config.endpoint.to_string()));
            }
        }
    }
};

EventPublisher::EventPublisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<EventPublisher>> EventPublisher::start(PublisherConfig config) {
    if (config.batch == 0 || config.max_buffer == 0 || config.max_len == 0 ||
        config.stream.empty()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            "redis publisher: batch, buffer, max_len and stream must be set");
    }
    auto impl = std::make_unique<Impl>();
    impl->config = std::move(config);
    std::random_device rd;
    impl->id = fmt::format("{:08x}", rd());
    Impl* raw = impl.get();
    std::unique_ptr<EventPublisher> p(new EventPublisher(std::move(impl)));
    raw->sender = std::thread([raw] { raw->run(); });
    return p;
}

EventPublisher::~EventPublisher() {
    // Up to a second to publish what is queued, unless Redis is known to be away.
    const Counters c = counters();
    if (c.connected || c.failures == 0) {
        flush(std::chrono::milliseconds(1000));
    }
    {
        std::lock_guard lock(impl_->mu);
        impl_->stop = true;
    }
    impl_->wake.notify_all();
    if (impl_->sender.joinable()) {
        impl_->sender.join();
    }
}

void EventPublisher::on_event(const model::Event& event) {
    bool notify = false;
    {
        std::lock_guard lock(impl_->mu);
        Impl& m = *impl_;
        if (m.skipped < m.config.skip_first) {
            ++m.skipped;
            return;
        }
        ++m.counters.queued;
        ++m.next_seq;
        if (m.queue.size() + m.in_flight >= m.config.max_buffer) {
            ++m.counters.dropped;  // full while Redis is away: this event is not kept
            return;
        }
        m.queue.push_back(Queued{m.next_seq, event});
        m.last_queued_seq = m.next_seq;
        m.counters.buffered = m.queue.size() + m.in_flight;
        // Wake the sender for a full batch only: otherwise it looks every few milliseconds, so
        // the engine thread makes no system call per event.
        notify = m.queue.size() % m.config.batch == 0;
    }
    if (notify) {
        impl_->wake.notify_one();
    }
}

bool EventPublisher::flush(std::chrono::milliseconds timeout) {
    std::unique_lock lock(impl_->mu);
    const std::uint64_t target = impl_->last_queued_seq;
    impl_->wake.notify_one();
    return impl_->progress.wait_for(lock, timeout, [&] { return impl_->acked_seq >= target; });
}

EventPublisher::Counters EventPublisher::counters() const {
    std::lock_guard lock(impl_->mu);
    return impl_->counters;
}

const std::string& EventPublisher::publisher_id() const noexcept {
    return impl_->id;
}

}  // namespace ats::redis
