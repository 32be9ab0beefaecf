#include "bar_rules.hpp"

#include <cctype>

namespace ats::data::rules {

bool looks_non_finite(std::string_view s) {
    std::string l(s);
    for (auto& c : l) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    std::string_view v = l;
    if (!v.empty() && (v.front() == '+' || v.front() == '-')) {
        v.remove_prefix(1);
    }
    return v == "nan" || v == "inf" || v == "infinity" || v == "1.#inf" || v == "1.#ind";
}

Error BarSequencer::row_error(std::size_t line, const Problem& p) const {
    if (rows_not_lines_) {
        return Error{
            ErrorCode::kParse, fmt::format("{}: row {}: {}", report_.path, line, p.message)};
    }
    return Error{ErrorCode::kParse, fmt::format("{}:{}: {}", report_.path, line, p.message)};
}

void BarSequencer::note(std::size_t line, const Problem& p) {
    const auto k = static_cast<std::size_t>(p.issue);
    ++report_.bad_rows[k];
    if (examples_kept_[k] < options_.examples_per_issue) {
        ++examples_kept_[k];
        report_.examples.push_back(RowProblem{line, p.issue, p.message});
    }
}

std::optional<Error> BarSequencer::on_bad_row(std::size_t line, const Problem& p) {
    if (options_.policy == BadRowPolicy::kSkip) {
        note(line, p);
        return std::nullopt;
    }
    return row_error(line, p);
}

void BarSequencer::fill_close_time(Row& row) const {
    if (!row.has_close_time) {
        const Duration ms = Duration::from_ms(1);
        row.bar.close_time =
            report_.interval > ms ? row.bar.open_time + report_.interval - ms : row.bar.open_time;
    }
}

Result<BarSequencer::Outcome> BarSequencer::sequence(Row& row) {
    fill_close_time(row);
    const model::Bar& b = row.bar;
    std::optional<Problem> problem;
    if (prev_) {
        if (b.open_time == prev_->open_time) {
            if (b == *prev_) {
                if (options_.policy == BadRowPolicy::kRepair) {
                    ++report_.duplicates_dropped;
                    return Outcome::kDrop;
                }
                problem = Problem{
                    RowIssue::kDuplicate,
                    fmt::format("duplicate of the previous row (open time {})", b.open_time)};
            } else {
                problem = Problem{
                    RowIssue::kConflictingDuplicate,
                    fmt::format("open time {} repeats with different values", b.open_time)};
            }
        } else if (b.open_time < prev_->open_time) {
            problem = Problem{
                RowIssue::kOutOfOrder,
                fmt::format(
                    "open time {} is before the previous row's {}", b.open_time, prev_->open_time)};
        }
    }
    const Duration interval = report_.interval;
    if (!problem && interval > Duration{} && grid_origin_ &&
        (b.open_time - *grid_origin_) % interval != Duration{}) {
        problem = Problem{
            RowIssue::kMisaligned,
            fmt::format(
                "open time {} is off the {} grid (wrong --interval? `ats data resample` "
                "changes the interval)",
                b.open_time,
                interval)};
    }
    if (problem) {
        if (options_.policy == BadRowPolicy::kSkip) {
            note(row.line, *problem);
            return Outcome::kDrop;
        }
        return tl::unexpected(row_error(row.line, *problem));
    }
    if (prev_ && interval > Duration{}) {
        const std::int64_t steps = (b.open_time - prev_->open_time) / interval;
        if (steps > 1) {
            gaps.record(prev_->open_time + interval, steps - 1);
        }
    }
    if (!grid_origin_) {
        grid_origin_ = b.open_time;
    }
    prev_ = b;
    return Outcome::kAccept;
}

}  // namespace ats::data::rules
