// Writes Parquet files the way ats writes them, for readers of other implementations to check:
//   ats_parquet_samples OUTDIR
//   ats_parquet_samples --describe FILE...   (what ats reads in files other tools wrote)
// OUTDIR/manifest.json lists every file and, per column, what a reader must find: the count of
// values and nulls, and min, max and sum as exact text (decimals with their 8 places, times in
// epoch nanoseconds, doubles in shortest round-trip form). Used by tests/duckdb_interop_test.sh.

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ats/core/fixed_point.hpp"
#include "ats/data/parquet_market.hpp"
#include "ats/parquet/reader.hpp"
#include "ats/parquet/writer.hpp"

#include "parquet_test_util.hpp"

namespace {

using ats::detail::Int128;
using ats::parquet::ColumnData;
using ats::parquet::ColumnSchema;
using ats::parquet::LogicalType;
using ats::parquet::PhysicalType;
using ats::parquet::Repetition;

std::string int128_text(Int128 v) {
    if (v == 0) {
        return "0";
    }
    const bool negative = v < 0;
    auto m = negative ? static_cast<ats::detail::UInt128>(-(v + 1)) + 1
                      : static_cast<ats::detail::UInt128>(v);
    std::string s;
    while (m != 0) {
        s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
        m /= 10;
    }
    return negative ? "-" + s : s;
}

// A raw value with exactly `scale` decimals, as DuckDB prints DECIMAL(p, scale).
std::string decimal_text(Int128 v, int scale) {
    const bool negative = v < 0;
    std::string digits = int128_text(negative ? -v : v);
    if (static_cast<int>(digits.size()) <= scale) {
        digits.insert(0, static_cast<std::size_t>(scale) + 1 - digits.size(), '0');
    }
    if (scale > 0) {
        digits.insert(digits.size() - static_cast<std::size_t>(scale), 1, '.');
    }
    return negative ? "-" + digits : digits;
}

std::string shortest(double d) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, static_cast<std::size_t>(r.ptr - buf));
}

Int128 decimal_value(const ColumnData& c, std::size_t i) {
    if (c.type == PhysicalType::kInt64) {
        return c.int64s[i];
    }
    if (c.type == PhysicalType::kInt32) {
        return c.int32s[i];
    }
    const auto b = c.bytes_at(i);
    ats::detail::UInt128 u =
        (static_cast<unsigned char>(b[0]) & 0x80) != 0 ? ~ats::detail::UInt128{0} : 0;
    for (const char ch : b) {
        u = (u << 8) | static_cast<unsigned char>(ch);
    }
    return static_cast<Int128>(u);
}

std::string hex(std::string_view s) {
    std::string out;
    for (const char c : s) {
        out += fmt::format("{:02X}", static_cast<unsigned char>(c));
    }
    return out;
}

// What a reader must find in one column.
nlohmann::json expect(const ColumnSchema& s, const ColumnData& c) {
    nlohmann::json j;
    j["name"] = s.name;
    std::size_t count = 0;
    for (std::size_t i = 0; i < c.size(); ++i) {
        count += c.is_null(i) ? 0U : 1U;
    }
    j["count"] = count;
    j["nulls"] = c.size() - count;
    if (count == 0) {
        j["kind"] = "empty";
        return j;
    }
    const auto rows = [&](auto&& fn) {
        for (std::size_t i = 0; i < c.size(); ++i) {
            if (!c.is_null(i)) {
                fn(i);
            }
        }
    };
    if (s.logical.kind == LogicalType::Kind::kDecimal) {
        j["kind"] = "decimal";
        Int128 lo = ats::detail::kInt128Max;
        Int128 hi = ats::detail::kInt128Min;
        Int128 sum = 0;
        rows([&](std::size_t i) {
            const Int128 v = decimal_value(c, i);
            lo = std::min(lo, v);
            hi = std::max(hi, v);
            sum += v;
        });
        j["min"] = decimal_text(lo, s.logical.scale);
        j["max"] = decimal_text(hi, s.logical.scale);
        j["sum"] = decimal_text(sum, s.logical.scale);
    } else if (s.logical.kind == LogicalType::Kind::kTimestamp) {
        j["kind"] = "timestamp";
        const std::int64_t f = s.logical.unit == ats::parquet::TimeUnit::kMillis   ? 1'000'000
                               : s.logical.unit == ats::parquet::TimeUnit::kMicros ? 1'000
                                                                                   : 1;
        std::int64_t lo = INT64_MAX;
        std::int64_t hi = INT64_MIN;
        rows([&](std::size_t i) {
            lo = std::min(lo, c.int64s[i] * f);
            hi = std::max(hi, c.int64s[i] * f);
        });
        j["min"] = std::to_string(lo);
        j["max"] = std::to_string(hi);
    } else if (c.type == PhysicalType::kInt32 || c.type == PhysicalType::kInt64) {
        j["kind"] = "int";
        Int128 lo = ats::detail::kInt128Max;
        Int128 hi = ats::detail::kInt128Min;
        Int128 sum = 0;
        rows([&](std::size_t i) {
            const Int128 v = c.type == PhysicalType::kInt32 ? c.int32s[i] : c.int64s[i];
            lo = std::min(lo, v);
            hi = std::max(hi, v);
            sum += v;
        });
        j["min"] = int128_text(lo);
        j["max"] = int128_text(hi);
        j["sum"] = int128_text(sum);
    } else if (c.type == PhysicalType::kDouble || c.type == PhysicalType::kFloat) {
        j["kind"] = "double";
        double lo = 1e308;
        double hi = -1e308;
        double sum = 0;
        rows([&](std::size_t i) {
            const double v =
                c.type == PhysicalType::kFloat ? static_cast<double>(c.floats[i]) : c.doubles[i];
            lo = std::min(lo, v);
            hi = std::max(hi, v);
            sum += v;
        });
        j["min"] = shortest(lo);
        j["max"] = shortest(hi);
        j["sum"] = shortest(sum);
    } else if (c.type == PhysicalType::kBoolean) {
        j["kind"] = "bool";
        std::size_t trues = 0;
        rows([&](std::size_t i) { trues += c.booleans[i] != 0 ? 1U : 0U; });
        j["sum"] = std::to_string(trues);
    } else {
        const bool text = s.logical.kind == LogicalType::Kind::kString;
        j["kind"] = text ? "string" : "blob";
        std::string_view lo = c.bytes_at(0);
        std::string_view hi = lo;
        std::size_t length = 0;
        bool first = true;
        rows([&](std::size_t i) {
            const auto v = c.bytes_at(i);
            if (first) {
                lo = hi = v;
                first = false;
            }
            lo = std::min(lo, v);
            hi = std::max(hi, v);
            length += v.size();
        });
        j["min"] = text ? std::string(lo) : hex(lo);
        j["max"] = text ? std::string(hi) : hex(hi);
        j["sum"] = std::to_string(length);
    }
    return j;
}

nlohmann::json describe(const std::string& path) {
    auto file = ats::parquet::FileReader::open(path);
    if (!file) {
        std::fprintf(stderr, "%s\n", file.error().message.c_str());
        std::exit(1);
    }
    auto cols = ats::parquet::testing::read_all(*file);
    if (!cols) {
        std::fprintf(stderr, "%s\n", cols.error().message.c_str());
        std::exit(1);
    }
    nlohmann::json j;
    j["path"] = path;
    j["rows"] = file->metadata().num_rows;
    j["columns"] = nlohmann::json::array();
    for (std::size_t c = 0; c < cols->size(); ++c) {
        j["columns"].push_back(expect(file->metadata().columns[c], (*cols)[c]));
    }
    return j;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 3 && std::string(argv[1]) == "--describe") {
        // What ats's reader finds in files written elsewhere, in the manifest's form.
        nlohmann::json described;
        described["files"] = nlohmann::json::array();
        for (int i = 2; i < argc; ++i) {
            described["files"].push_back(describe(argv[i]));
        }
        std::printf("%s\n", described.dump(1).c_str());
        return 0;
    }
    if (argc != 2) {
        std::fprintf(stderr, "usage: ats_parquet_samples OUTDIR | --describe FILE...\n");
        return 2;
    }
    const std::string out = argv[1];
    std::filesystem::create_directories(out);
    nlohmann::json manifest;
    manifest["files"] = nlohmann::json::array();
    std::mt19937_64 rng(99);

    // Every type, encoding, codec and page version the writer has.
    const std::vector<ColumnSchema> schema = {
        {"ts_ms",
         PhysicalType::kInt64,
         Repetition::kRequired,
         0,
         LogicalType::timestamp(ats::parquet::TimeUnit::kMillis)},
        {"ts_us",
         PhysicalType::kInt64,
         Repetition::kOptional,
         0,
         LogicalType::timestamp(ats::parquet::TimeUnit::kMicros)},
        {"ts_ns",
         PhysicalType::kInt64,
         Repetition::kRequired,
         0,
         LogicalType::timestamp(ats::parquet::TimeUnit::kNanos)},
        {"price", PhysicalType::kInt64, Repetition::kRequired, 0, LogicalType::decimal(18, 8)},
        {"price_null", PhysicalType::kInt64, Repetition::kOptional, 0, LogicalType::decimal(18, 8)},
        {"qty",
         PhysicalType::kFixedLenByteArray,
         Repetition::kRequired,
         16,
         LogicalType::decimal(38, 8)},
        {"qty_null",
         PhysicalType::kFixedLenByteArray,
         Repetition::kOptional,
         16,
         LogicalType::decimal(38, 8)},
        {"count32", PhysicalType::kInt32, Repetition::kRequired, 0, {}},
        {"count64", PhysicalType::kInt64, Repetition::kOptional, 0, {}},
        {"x", PhysicalType::kDouble, Repetition::kOptional, 0, {}},
        {"flag", PhysicalType::kBoolean, Repetition::kOptional, 0, {}},
        {"side", PhysicalType::kByteArray, Repetition::kOptional, 0, LogicalType::string()},
        {"raw", PhysicalType::kFixedLenByteArray, Repetition::kRequired, 5, {}},
    };
    const ats::parquet::Codec codecs[] = {
        ats::parquet::Codec::kUncompressed,
        ats::parquet::Codec::kSnappy,
        ats::parquet::Codec::kZstd};
    int index = 0;
    for (const auto codec : codecs) {
        for (const auto version :
             {ats::parquet::PageVersion::kV1, ats::parquet::PageVersion::kV2}) {
            for (const auto encoding :
                 {ats::parquet::EncodingChoice::kAuto,
                  ats::parquet::EncodingChoice::kPlain,
                  ats::parquet::EncodingChoice::kDictionary}) {
                std::vector<ColumnData> columns;
                const std::size_t rows = 3000 + rng() % 3000;
                for (const auto& c : schema) {
                    columns.push_back(ats::parquet::testing::random_column(c, rows, rng));
                }
                // Decimals within their precision: DECIMAL(18, 8) below 1e18, (38, 8) below 1e28.
                for (std::size_t i = 0; i < rows; ++i) {
                    for (const std::size_t k : {3U, 4U}) {
                        columns[k].int64s[i] =
                            static_cast<std::int64_t>(rng() % 200'000'000'000'000'000ULL) -
                            100'000'000'000'000'000LL;
                    }
                }
                for (const std::size_t k : {5U, 6U}) {
                    ColumnData fixed(PhysicalType::kFixedLenByteArray, 16);
                    for (std::size_t i = 0; i < rows; ++i) {
                        if (columns[k].is_null(i)) {
                            fixed.push_null();
                            continue;
                        }
                        const Int128 v =
                            (static_cast<Int128>(rng() % 10'000'000'000ULL) *
                                 1'000'000'000'000'000'000LL +
                             static_cast<Int128>(rng() % 1'000'000'000'000'000'000ULL)) *
                            (rng() % 2 == 0 ? 1 : -1);
                        char be[16];
                        auto u = static_cast<ats::detail::UInt128>(v);
                        for (int b = 15; b >= 0; --b) {
                            be[b] = static_cast<char>(static_cast<std::uint8_t>(u & 0xFF));
                            u >>= 8;
                        }
                        fixed.push_bytes(std::string_view(be, 16));
                    }
                    columns[k] = std::move(fixed);
                }
                // Realistic times (positive, increasing) for the timestamp columns.
                for (std::size_t i = 0; i < rows; ++i) {
                    columns[0].int64s[i] =
                        1'733'011'200'000 + static_cast<std::int64_t>(i) * 60'000;
                    columns[1].int64s[i] =
                        1'733'011'200'000'000 + static_cast<std::int64_t>(rng() % 1'000'000'000);
                    columns[2].int64s[i] =
                        1'733'011'200'000'000'000 + static_cast<std::int64_t>(i) * 123'456'789;
                }
                ats::parquet::WriterOptions options;
                options.codec = codec;
                options.page_version = version;
                options.row_group_rows = 1000 + rng() % 2000;
                options.page_rows = 500;
                options.sync = false;
                options.encodings.assign(schema.size(), encoding);
                if (encoding == ats::parquet::EncodingChoice::kAuto) {
                    options.encodings[7] = ats::parquet::EncodingChoice::kDelta;
                    options.encodings[10] = ats::parquet::EncodingChoice::kRle;
                }
                const std::string path = fmt::format("{}/typed_{:02}.parquet", out, index++);
                if (auto st = ats::parquet::write_table(path, schema, columns, options); !st) {
                    std::fprintf(stderr, "%s\n", st.error().message.c_str());
                    return 1;
                }
                manifest["files"].push_back(describe(path));
            }
        }
    }

    // The recorder's trade and depth schemas.
    const auto symbol = ats::Symbol::parse("BTCUSDT").value();
    std::vector<ats::data::TradeRecord> trades;
    std::vector<ats::data::DepthRecord> depth;
    for (int i = 0; i < 5000; ++i) {
        ats::data::TradeRecord t;
        t.ts_event = ats::Timestamp::from_unix_ms(1'733'011'200'000 + i * 37);
        t.ts_recv = t.ts_event + ats::Duration::from_ns(123'456 + i);
        t.trade_id = 4'000'000'000 + i;
        t.price = ats::Price::from_raw(
            9'600'000'000'000 + static_cast<std::int64_t>(rng() % 100'000'000));
        t.qty = ats::Qty::from_raw(static_cast<Int128>(rng() % 1'000'000'000'000));
        t.aggressor = rng() % 2 == 0 ? ats::Side::kBuy : ats::Side::kSell;
        trades.push_back(t);
        ats::data::DepthRecord d;
        d.ts_event = t.ts_event;
        d.ts_recv = t.ts_recv;
        d.first_update_id = 7'000'000 + i * 3;
        d.final_update_id = d.first_update_id + 2;
        d.side = rng() % 2 == 0 ? ats::Side::kBuy : ats::Side::kSell;
        d.price = t.price;
        d.qty = i % 10 == 0 ? ats::Qty{} : t.qty;
        d.is_snapshot = i < 100;
        depth.push_back(d);
    }
    ats::data::ParquetWriteOptions o;
    o.sync = false;
    o.row_group_rows = 1500;
    if (auto st = ats::data::write_trades_parquet(trades, symbol, out + "/trades.parquet", o);
        !st) {
        std::fprintf(stderr, "%s\n", st.error().message.c_str());
        return 1;
    }
    if (auto st = ats::data::write_depth_parquet(depth, symbol, out + "/depth.parquet", o); !st) {
        std::fprintf(stderr, "%s\n", st.error().message.c_str());
        return 1;
    }
    manifest["files"].push_back(describe(out + "/trades.parquet"));
    manifest["files"].push_back(describe(out + "/depth.parquet"));
    std::FILE* f = std::fopen((out + "/manifest.json").c_str(), "w");
    const std::string text = manifest.dump(1);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    std::printf("%zu files in %s\n", manifest["files"].size(), out.c_str());
    return 0;
}
