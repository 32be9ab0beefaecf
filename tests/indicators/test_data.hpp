#pragma once

#include <cstddef>
#include <string>

#include <gtest/gtest.h>

#include "ats/data/kline_csv.hpp"
#include "ats/indicators/batch.hpp"

namespace ats::indicators::testing {

/// The bundled series as double columns, loaded once per process.
inline const BarColumns& bundled(const std::string& file) {
    static std::string loaded_name;
    static BarColumns columns;
    if (loaded_name != file) {
        auto loaded = data::load_klines_csv(std::string(ATS_BUNDLED_DATA_DIR) + "/" + file, {});
        EXPECT_TRUE(loaded.has_value()) << (loaded ? "" : loaded.error().to_string());
        columns = loaded ? BarColumns::from(loaded->series) : BarColumns{};
        loaded_name = file;
    }
    return columns;
}

inline BarColumns first_bars(const BarColumns& all, std::size_t n) {
    BarColumns out;
    n = n < all.size() ? n : all.size();
    const auto cut = static_cast<std::ptrdiff_t>(n);
    out.open_time_ns.assign(all.open_time_ns.begin(), all.open_time_ns.begin() + cut);
    out.open.assign(all.open.begin(), all.open.begin() + cut);
    out.high.assign(all.high.begin(), all.high.begin() + cut);
    out.low.assign(all.low.begin(), all.low.begin() + cut);
    out.close.assign(all.close.begin(), all.close.begin() + cut);
    out.volume.assign(all.volume.begin(), all.volume.begin() + cut);
    return out;
}

}  // namespace ats::indicators::testing
