#pragma once

#include <string>

#include <fmt/format.h>

/// ATS_CHECK(cond, fmt, args...) guards invariants that must never break (a position that does not
/// reconcile, an impossible state transition, an overflow in trusted arithmetic). It is always on:
/// when `cond` is false it logs file:line and the formatted message, then aborts. Recovery is a
/// restart from saved state. Expected failures (bad input) return Result instead.
/// ATS_DCHECK is the same check in debug builds only.

namespace ats::detail {

[[noreturn]] void check_failed(
    const char* file, int line, const char* cond, const std::string& msg);

}  // namespace ats::detail

#define ATS_CHECK(cond, ...)                                                                    \
    do {                                                                                        \
        if (!(cond)) [[unlikely]] {                                                             \
            ::ats::detail::check_failed(__FILE__, __LINE__, #cond, ::fmt::format(__VA_ARGS__)); \
        }                                                                                       \
    } while (false)

#ifdef NDEBUG
#define ATS_DCHECK(cond, ...) \
    do {                      \
    } while (false)
#else
#define ATS_DCHECK(cond, ...) ATS_CHECK(cond, __VA_ARGS__)
#endif
