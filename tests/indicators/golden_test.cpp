// Compares every indicator with TA-Lib's own outputs (tests/data_files/talib, see PROVENANCE.md)
// on the first 8,000 bars of the bundled BTCUSDT 1h series.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

#include "ats/indicators/registry.hpp"

#include "test_data.hpp"

namespace ats::indicators {
namespace {

constexpr std::size_t kGoldenRows = 8000;

struct Golden {
    std::vector<std::string> columns;
    std::vector<std::int64_t> open_time_ms;
    std::vector<std::vector<double>> values;  // per column; NaN for empty cells
};

Golden read_golden(const std::string& path) {
    Golden g;
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << "cannot read " << path;
    std::string line;
    std::getline(in, line);
    std::size_t start = line.find(',') + 1;
    while (start != 0) {
        const std::size_t comma = line.find(',', start);
        g.columns.push_back(line.substr(start, comma == std::string::npos ? comma : comma - start));
        start = comma == std::string::npos ? 0 : comma + 1;
    }
    g.values.resize(g.columns.size());
    while (std::getline(in, line)) {
        if (line.empty()) {
            continue;
        }
        std::string_view rest(line);
        std::size_t comma = rest.find(',');
        std::int64_t t = 0;
        std::from_chars(rest.data(), rest.data() + comma, t);
        g.open_time_ms.push_back(t);
        for (auto& column : g.values) {
            rest.remove_prefix(comma + 1);
            comma = rest.find(',');
            const std::string_view cell = rest.substr(0, comma);
            double v = kNaN;
            if (!cell.empty()) {
                const auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
                EXPECT_TRUE(ec == std::errc() && ptr == cell.data() + cell.size()) << cell;
            }
            column.push_back(v);
            if (comma == std::string_view::npos) {
                comma = rest.size() - 1;
            }
        }
    }
    return g;
}

struct Case {
    const char* file;
    const char* spec;
    double rtol;
    double atol;
};

constexpr double kPrice = 1e-8;
constexpr double kOscillator = 1e-9;
constexpr double kVolume = 1e-5;

// The reference README's tolerances: relative 1e-9 (1e-7 for the running-sum variance of STDDEV
// and BBANDS) plus an absolute floor scaled to the series.
const Case kCases[] = {
    {"SMA_20.csv", "sma:20", 1e-9, kPrice},
    {"EMA_20.csv", "ema:20", 1e-9, kPrice},
    {"WMA_20.csv", "wma:20", 1e-9, kPrice},
    {"DEMA_20.csv", "dema:20", 1e-9, kPrice},
    {"TEMA_20.csv", "tema:20", 1e-9, kPrice},
    {"TRIMA_20.csv", "trima:20", 1e-9, kPrice},
    {"KAMA_30.csv", "kama:30", 1e-9, kPrice},
    {"RSI_14.csv", "rsi:14", 1e-9, kOscillator},
    {"STOCH_14_3_3.csv", "stoch:14:3:3", 1e-9, kOscillator},
    {"STOCH_5_3_3.csv", "stoch", 1e-9, kOscillator},
    {"STOCHF_14_3.csv", "stochf:14:3", 1e-9, kOscillator},
    {"STOCHRSI_14_14_3.csv", "stochrsi:14:14:3", 1e-9, kOscillator},
    {"MACD_12_26_9.csv", "macd:12:26:9", 1e-9, kPrice},
    {"BBANDS_20_2_2.csv", "bbands:20:2:2", 1e-7, kPrice},
    {"ATR_14.csv", "atr:14", 1e-9, kPrice},
    {"NATR_14.csv", "natr:14", 1e-9, kOscillator},
    {"TRANGE.csv", "trange", 1e-9, kPrice},
    {"ADX_14.csv", "adx:14", 1e-9, kOscillator},
    {"ADXR_14.csv", "adxr:14", 1e-9, kOscillator},
    {"PLUS_DI_14.csv", "plus_di:14", 1e-9, kOscillator},
    {"MINUS_DI_14.csv", "minus_di:14", 1e-9, kOscillator},
    {"CCI_20.csv", "cci:20", 1e-9, kOscillator},
    {"WILLR_14.csv", "willr:14", 1e-9, kOscillator},
    {"MFI_14.csv", "mfi:14", 1e-9, kOscillator},
    {"OBV.csv", "obv", 1e-9, kVolume},
    {"AD.csv", "ad", 1e-9, kVolume},
    {"ADOSC_3_10.csv", "adosc:3:10", 1e-9, kVolume},
    {"ROC_10.csv", "roc:10", 1e-9, kOscillator},
    {"MOM_10.csv", "mom:10", 1e-9, kPrice},
    {"TRIX_15.csv", "trix:15", 1e-9, kOscillator},
    {"SAR_0.02_0.2.csv", "sar:0.02:0.2", 1e-9, kPrice},
    {"AROON_14.csv", "aroon:14", 1e-9, kOscillator},
    {"AROONOSC_14.csv", "aroonosc:14", 1e-9, kOscillator},
    {"ULTOSC_7_14_28.csv", "ultosc:7:14:28", 1e-9, kOscillator},
    {"STDDEV_20_1.csv", "stddev:20:1", 1e-7, kPrice},
};

class TaLibGoldenTest : public ::testing::TestWithParam<Case> {};

TEST_P(TaLibGoldenTest, AgreesWithTaLibIncludingLookback) {
    const Case& c = GetParam();
    const Golden golden = read_golden(std::string(ATS_TEST_DATA_DIR) + "/talib/" + c.file);
    ASSERT_EQ(golden.open_time_ms.size(), kGoldenRows);
    const BarColumns bars =
        testing::first_bars(testing::bundled("BTCUSDT_1h_2021-04_2025-12.csv"), kGoldenRows);
    ASSERT_EQ(bars.size(), kGoldenRows);
    for (std::size_t i = 0; i < kGoldenRows; ++i) {
        ASSERT_EQ(bars.open_time_ns[i] / 1'000'000, golden.open_time_ms[i]) << "row " << i;
    }

    auto spec = parse_indicator_spec(c.spec);
    ASSERT_TRUE(spec.has_value()) << spec.error().message;
    auto out = compute(*spec, bars);
    ASSERT_TRUE(out.has_value()) << out.error().message;
    ASSERT_EQ(out->size(), golden.columns.size());

    for (std::size_t k = 0; k < golden.columns.size(); ++k) {
        const auto& want = golden.values[k];
        const auto& got = (*out)[k];
        double max_rel = 0.0;
        std::size_t failures = 0;
        for (std::size_t i = 0; i < kGoldenRows; ++i) {
            if (std::isnan(want[i])) {
                EXPECT_TRUE(std::isnan(got[i]))
                    << c.file << " " << golden.columns[k] << " row " << i
                    << ": TA-Lib has no value (lookback) but we have " << got[i];
                continue;
            }
            ASSERT_FALSE(std::isnan(got[i]))
                << c.file << " " << golden.columns[k] << " row " << i << ": missing value";
            const double diff = std::fabs(got[i] - want[i]);
            const double scale = std::max(std::fabs(got[i]), std::fabs(want[i]));
            if (scale > 0) {
                max_rel = std::max(max_rel, diff / scale);
            }
            if (diff > c.rtol * scale + c.atol && ++failures <= 5) {
                ADD_FAILURE() << c.file << " " << golden.columns[k] << " row " << i << ": got "
                              << got[i] << ", TA-Lib " << want[i];
            }
        }
        EXPECT_EQ(failures, 0u) << c.file << " " << golden.columns[k];
        std::printf(
            "[golden] %-22s %-12s max relative error %.3g\n",
            c.file,
            golden.columns[k].c_str(),
            max_rel);
    }
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
    std::string name(info.param.file);
    name = name.substr(0, name.size() - 4);
    for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) {
            ch = '_';
        }
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(AllGoldenFiles, TaLibGoldenTest, ::testing::ValuesIn(kCases), case_name);

}  // namespace
}  // namespace ats::indicators
