#include "ats/bus/scheduler.hpp"

#include <algorithm>
#include <charconv>
#include <exception>

#include <fmt/format.h>

namespace ats::bus {
namespace {

constexpr std::int64_t kNsPerMinute = 60'000'000'000;
constexpr std::int64_t kMinutesPerDay = 1440;

struct Civil {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

// Inverse of days_from_civil (Howard Hinnant's algorithm).
Civil civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return Civil{static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    const std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const auto pos = text.find(sep, start);
        out.push_back(text.substr(start, pos == std::string_view::npos ? pos : pos - start));
        if (pos == std::string_view::npos) {
            return out;
        }
        start = pos + 1;
    }
}

std::optional<int> number(std::string_view s) {
    int v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) {
        return std::nullopt;
    }
    return v;
}

/// Parses one field into a bit set over [lo, hi]; nullopt when malformed or out of range.
std::optional<std::uint64_t> parse_field(std::string_view field, int lo, int hi) {
    std::uint64_t bits = 0;
    for (const auto part : split(field, ',')) {
        std::string_view range = part;
        int step = 1;
        if (const auto slash = part.find('/'); slash != std::string_view::npos) {
            const auto s = number(part.substr(slash + 1));
            if (!s || *s <= 0) {
                return std::nullopt;
            }
            step = *s;
            range = part.substr(0, slash);
        }
        int first = lo;
        int last = hi;
        if (range != "*") {
            const auto dash = range.find('-');
            const auto a = number(range.substr(0, dash));
            if (!a) {
                return std::nullopt;
            }
            first = *a;
            last = *a;
            if (dash != std::string_view::npos) {
                const auto b = number(range.substr(dash + 1));
                if (!b) {
                    return std::nullopt;
                }
                last = *b;
            } else if (step != 1) {
                last = hi;  // "5/15": from 5 to the end in steps of 15
            }
        }
        if (first < lo || last > hi || first > last) {
            return std::nullopt;
        }
        for (int v = first; v <= last; v += step) {
            bits |= std::uint64_t{1} << static_cast<unsigned>(v);
        }
    }
    return bits;
}

bool has(std::uint64_t bits, std::int64_t v) {
    return ((bits >> static_cast<unsigned>(v)) & 1U) != 0;
}

}  // namespace

Result<CronExpression> CronExpression::parse(std::string_view text) {
    std::vector<std::string_view> fields;
    for (const auto f : split(text, ' ')) {
        if (!f.empty()) {
            fields.push_back(f);
        }
    }
    if (fields.size() != 5) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "cron '{}': expected 5 fields (minute hour day-of-month month day-of-week)", text));
    }
    static constexpr const char* kNames[] = {
        "minute", "hour", "day of month", "month", "day of week"};
    static constexpr int kLo[] = {0, 0, 1, 1, 0};
    static constexpr int kHi[] = {59, 23, 31, 12, 7};
    std::uint64_t bits[5] = {};
    for (std::size_t i = 0; i < 5; ++i) {
        const auto b = parse_field(fields[i], kLo[i], kHi[i]);
        if (!b) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "cron '{}': bad {} field '{}' (valid {}-{})",
                    text,
                    kNames[i],
                    fields[i],
                    kLo[i],
                    kHi[i]));
        }
        bits[i] = *b;
    }
    CronExpression c;
    c.text_ = std::string(text);
    c.minutes_ = bits[0];
    c.hours_ = static_cast<std::uint32_t>(bits[1]);
    c.days_ = static_cast<std::uint32_t>(bits[2]);
    c.months_ = static_cast<std::uint32_t>(bits[3]);
    std::uint64_t wd = bits[4];
    if (has(wd, 7)) {
        wd |= 1U;  // 7 is Sunday too
    }
    c.weekdays_ = static_cast<std::uint32_t>(wd & 0x7FU);
    c.any_day_ = fields[2] == "*";
    c.any_weekday_ = fields[4] == "*";
    return c;
}

std::optional<Timestamp> CronExpression::next_after(Timestamp t) const {
    std::int64_t minute = floor_div(t.unix_ns(), kNsPerMinute) + 1;
    const std::int64_t limit = minute + 8 * 366 * kMinutesPerDay;
    while (minute < limit) {
        const std::int64_t day = floor_div(minute, kMinutesPerDay);
        const Civil c = civil_from_days(day);
        const std::int64_t weekday = floor_div(day + 4, 1) % 7;  // 1970-01-01 was a Thursday
        const std::int64_t wd = weekday < 0 ? weekday + 7 : weekday;
        const bool dom = has(days_, c.day);
        const bool dow = has(weekdays_, wd);
        const bool day_ok = any_day_ && any_weekday_ ? true
                            : any_day_               ? dow
                            : any_weekday_           ? dom
                                                     : (dom || dow);
        if (!has(months_, c.month) || !day_ok) {
            minute = (day + 1) * kMinutesPerDay;
            continue;
        }
        const std::int64_t in_day = minute - day * kMinutesPerDay;
        const std::int64_t hour = in_day / 60;
        if (!has(hours_, hour)) {
            minute = day * kMinutesPerDay + (hour + 1) * 60;
            continue;
        }
        if (!has(minutes_, in_day % 60)) {
            ++minute;
            continue;
        }
        return Timestamp::from_unix_ns(minute * kNsPerMinute);
    }
    return std::nullopt;
}

Scheduler::Scheduler(const Clock& clock, model::JobHistory* history, model::Notifier* notifier)
    : clock_(clock), history_(history), notifier_(notifier) {}

Status Scheduler::add(std::string name, std::string_view cron, Job job, bool catch_up) {
    auto parsed = CronExpression::parse(cron);
    if (!parsed) {
        return tl::unexpected(parsed.error());
    }
    if (std::any_of(jobs_.begin(), jobs_.end(), [&](const Entry& e) { return e.name == name; })) {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("job '{}' is scheduled already", name));
    }
    auto next = parsed->next_after(clock_.now());
    if (!next) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("job '{}': cron '{}' never matches", name, cron));
    }
    if (catch_up && history_ != nullptr) {
        auto runs = history_->job_runs(name, 1);
        if (!runs) {
            return tl::unexpected(runs.error());
        }
        if (!runs->empty()) {
            // The slots after the last one that started; the latest of them at or before now
            // runs once (several missed slots make one run, as while running).
            std::optional<Timestamp> due;
            for (auto slot = parsed->next_after(runs->front().scheduled);
                 slot && *slot <= clock_.now();
                 slot = parsed->next_after(*slot)) {
                due = slot;
            }
            if (due) {
                next = due;
            }
        }
    }
    jobs_.push_back(Entry{std::move(name), std::move(*parsed), std::move(job), next, catch_up});
    return ok_status();
}

std::size_t Scheduler::run_due() {
    const Timestamp now = clock_.now();
    std::size_t ran = 0;
    for (auto& e : jobs_) {
        if (!e.next || *e.next > now) {
            continue;
        }
        model::JobRun run;
        run.job = e.name;
        run.scheduled = *e.next;
        run.started = clock_.now();
        if (history_ != nullptr && e.catch_up) {
            // Durable before the job runs: after a crash in the middle of it, the slot counts
            // as taken and is not run again.
            model::JobRun started = run;
            started.finished = run.started;
            started.ok = false;
            started.message = "started";
            if (auto s = history_->record_job_run(started); !s) {
                ++failures_;
                e.next = e.cron.next_after(now);
                if (notifier_ != nullptr) {
                    const Timestamp t = clock_.now();
                    notifier_->notify(model::AlertLogged{
                        t,
                        t,
                        model::AlertLevel::kCritical,
                        model::Text(fmt::format(
                            "job {} not run: its start was not recorded: {}",
                            run.job,
                            s.error().message))});
                }
                continue;
            }
        }
        Status result = ok_status();
        try {
            result = e.job();
        } catch (const std::exception& ex) {
            result = make_error(ErrorCode::kInternal, fmt::format("exception: {}", ex.what()));
        } catch (...) {
            result = make_error(ErrorCode::kInternal, "unknown exception");
        }
        run.finished = clock_.now();
        run.ok = result.has_value();
        if (!result) {
            run.message = result.error().message;
            ++failures_;
        }
        ++ran;
        e.next = e.cron.next_after(now);
        auto alert = [&](model::AlertLevel level, std::string text) {
            if (notifier_ != nullptr) {
                const Timestamp t = clock_.now();
                notifier_->notify(model::AlertLogged{t, t, level, model::Text(text)});
            }
        };
        if (!run.ok) {
            alert(
                model::AlertLevel::kCritical,
                fmt::format("job {} failed: {}", run.job, run.message));
        }
        if (history_ != nullptr) {
            if (auto s = history_->record_job_run(run); !s) {
                alert(
                    model::AlertLevel::kCritical,
                    fmt::format("job {}: run not recorded: {}", run.job, s.error().message));
            }
        }
    }
    return ran;
}

std::optional<Timestamp> Scheduler::next_run(std::string_view name) const {
    for (const auto& e : jobs_) {
        if (e.name == name) {
            return e.next;
        }
    }
    return std::nullopt;
}

}  // namespace ats::bus
