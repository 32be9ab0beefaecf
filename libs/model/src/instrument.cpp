#include "ats/model/instrument.hpp"

namespace ats::model {

Status Instrument::validate() const {
    if (!tick_size.is_positive() || !step_size.is_positive()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{}: tick_size and step_size must be positive", symbol));
    }
    if (min_qty.is_negative() || min_notional.is_negative()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{}: min_qty and min_notional must not be negative", symbol));
    }
    if (max_qty && *max_qty < min_qty) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{}: max_qty {} is below min_qty {}", symbol, *max_qty, min_qty));
    }
    return ok_status();
}

Status Instrument::validate_order(
    std::optional<Price> price, Qty qty, Price reference_price) const {
    if (!qty.is_positive()) {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("{}: qty {} must be positive", symbol, qty));
    }
    if (!qty.is_multiple_of(step_size)) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{}: qty {} is not a multiple of step_size {}", symbol, qty, step_size));
    }
    if (qty < min_qty) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{}: qty {} is below min_qty {}", symbol, qty, min_qty));
    }
    if (max_qty && qty > *max_qty) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{}: qty {} is above max_qty {}", symbol, qty, *max_qty));
    }
    if (price) {
        if (!price->is_positive()) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("{}: price {} must be positive", symbol, *price));
        }
        if (!price->is_multiple_of(tick_size)) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "{}: price {} is not a multiple of tick_size {}", symbol, *price, tick_size));
        }
    }
    const auto value = notional(price.value_or(reference_price), qty, Round::kDown);
    if (!value) {
        return tl::unexpected(value.error());
    }
    if (*value < min_notional) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{}: notional {} is below min_notional {}", symbol, *value, min_notional));
    }
    return ok_status();
}

}  // namespace ats::model
