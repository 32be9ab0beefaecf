#include "ats/backtest/replay_kernel.hpp"

#include <algorithm>

namespace ats::backtest {

Status ReplayKernel::check_inputs(const std::vector<ReplayInput>& inputs) {
    if (inputs.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "replay: no assets");
    }
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const auto& in = inputs[i];
        if (in.series == nullptr || in.series->empty()) {
            return make_error(
                ErrorCode::kInvalidArgument, fmt::format("replay: no bars for {}", in.symbol));
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (inputs[j].symbol == in.symbol) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format("replay: {} is given twice", in.symbol));
            }
        }
        const auto& first = inputs.front();
        if (in.series->interval() != first.series->interval()) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "replay: assets have different bar intervals ({} {}, {} {}); one run needs "
                    "one interval (resample with `ats data resample --to`)",
                    first.symbol,
                    first.series->interval(),
                    in.symbol,
                    in.series->interval()));
        }
    }
    return ok_status();
}

ReplayKernel::ReplayKernel(
    SimulatedClock& clock,
    engine::TradingEngine& engine,
    sim::BarVenue& venue,
    std::vector<ReplayInput> inputs)
    : clock_(clock),
      engine_(engine),
      venue_(venue),
      inputs_(std::move(inputs)),
      cursor_(inputs_.size(), 0) {
    for (const auto& in : inputs_) {
        total_ += in.series->size();
        const auto id = venue_.book_id(in.symbol);
        ATS_CHECK(id.has_value(), "replay: {} is not traded at the venue", in.symbol);
        books_.push_back(*id);
    }
    step_.bars.reserve(inputs_.size());
    bars_.resize(inputs_.size());  // reused every step; the venue holds references into it
    find_next();
}

void ReplayKernel::find_next() {
    next_.reset();
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
        if (cursor_[i] < inputs_[i].series->size()) {
            const Timestamp ti = inputs_[i].series->open_time()[cursor_[i]];
            next_ = next_ ? std::min(*next_, ti) : ti;
        }
    }
}

const ReplayKernel::Step& ReplayKernel::step() {
    const auto t = next_;
    ATS_CHECK(t.has_value(), "replay: step() after the last bar");
    step_.open_time = *t;
    step_.close_time = *t;
    step_.bars.clear();
    step_.fills = 0;
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
        const auto& series = *inputs_[i].series;
        if (cursor_[i] < series.size() && series.open_time()[cursor_[i]] == *t) {
            model::Bar& bar = bars_[step_.bars.size()];
            series.read(cursor_[i], bar);
            step_.bars.push_back(BarRef{i, cursor_[i]});
            step_.close_time = std::max(step_.close_time, bar.close_time);
            ++cursor_[i];
        }
    }
    const auto advance = [this](Timestamp to) {
        clock_.advance_to(std::max(clock_.now(), to));
    };

    // (a) Open: bars start, retries due now run, then fills in time order across the assets.
    advance(*t);
    engine_.process_pending();
    for (std::size_t k = 0; k < step_.bars.size(); ++k) {
        venue_.open_bar(books_[step_.bars[k].input], bars_[k]);
    }
    while (true) {
        // Plain values, not optionals, on this hot path (a byte flag stored and read back as a
        // word stalls the store forwarding).
        bool any = false;
        Timestamp earliest;
        std::size_t which = 0;
        for (std::size_t k = 0; k < step_.bars.size(); ++k) {
            Timestamp ft;
            if (venue_.next_fill_time(books_[step_.bars[k].input], ft) && (!any || ft < earliest)) {
                any = true;
                earliest = ft;
                which = k;
            }
        }
        if (!any) {
            break;
        }
        advance(earliest);
        venue_.fill_next(books_[step_.bars[which].input]);
        // (b) Each fill reaches the portfolio before anything later on any path.
        engine_.process_pending();
        ++step_.fills;
    }

    // (c) Close: mark everything, then risk, strategies and orders asset by asset.
    advance(step_.close_time);
    for (std::size_t k = 0; k < step_.bars.size(); ++k) {
        engine_.mark_close(inputs_[step_.bars[k].input].symbol, bars_[k]);
    }
    for (std::size_t k = 0; k < step_.bars.size(); ++k) {
        engine_.on_marked_bar_closed(inputs_[step_.bars[k].input].symbol, bars_[k]);
    }
    for (std::size_t k = 0; k < step_.bars.size(); ++k) {
        venue_.close_bar(books_[step_.bars[k].input]);
    }
    engine_.process_pending();
    done_ += step_.bars.size();
    find_next();
    return step_;
}

}  // namespace ats::backtest
