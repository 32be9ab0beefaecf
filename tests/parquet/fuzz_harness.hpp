#pragma once

// A seeded mutation fuzzer for the Parquet footer and page decoders: valid files written by
// FileWriter (every encoding, codec and page version) are mutated (bit flips, interesting bytes,
// truncation, footer splices with a fixed-up length, varint blow-ups) and read back in full.
// A case passes when the reader returns a value or an error; a crash or a sanitizer report is a
// failure. Used by the unit test (a short run) and bench/parquet_fuzz.cpp (millions of cases).

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "ats/parquet/reader.hpp"
#include "ats/parquet/writer.hpp"

#include "parquet_test_util.hpp"

namespace ats::parquet::testing {

struct FuzzStats {
    std::uint64_t cases = 0;
    std::uint64_t opened = 0;    ///< footer accepted
    std::uint64_t read_ok = 0;   ///< every column read without error
    std::uint64_t rejected = 0;  ///< an error somewhere
};

/// Small valid files covering the writer's encodings, codecs and page versions.
inline std::vector<std::string> fuzz_seeds() {
    TempDir dir;
    std::vector<std::string> seeds;
    std::mt19937_64 rng(1);
    const std::vector<ColumnSchema> schema = {
        testing::column(
            "ts",
            PhysicalType::kInt64,
            Repetition::kRequired,
            0,
            LogicalType::timestamp(TimeUnit::kMillis)),
        testing::column(
            "price", PhysicalType::kInt64, Repetition::kOptional, 0, LogicalType::decimal(18, 8)),
        testing::column(
            "qty",
            PhysicalType::kFixedLenByteArray,
            Repetition::kRequired,
            16,
            LogicalType::decimal(38, 8)),
        testing::column(
            "side", PhysicalType::kByteArray, Repetition::kOptional, 0, LogicalType::string()),
        {"flag", PhysicalType::kBoolean, Repetition::kOptional, 0, {}},
        {"n", PhysicalType::kInt32, Repetition::kRequired, 0, {}},
        {"x", PhysicalType::kDouble, Repetition::kOptional, 0, {}},
    };
    const Codec codecs[] = {Codec::kUncompressed, Codec::kSnappy, Codec::kZstd};
    int index = 0;
    for (const Codec codec : codecs) {
        for (const PageVersion version : {PageVersion::kV1, PageVersion::kV2}) {
            for (int variant = 0; variant < 3; ++variant) {
                std::vector<ColumnData> columns;
                for (const auto& c : schema) {
                    columns.push_back(random_column(c, 300, rng));
                }
                WriterOptions options;
                options.codec = codec;
                options.page_version = version;
                options.row_group_rows = 128;
                options.page_rows = 50;
                options.sync = false;
                const EncodingChoice e = variant == 0   ? EncodingChoice::kPlain
                                         : variant == 1 ? EncodingChoice::kDictionary
                                                        : EncodingChoice::kAuto;
                options.encodings.assign(schema.size(), e);
                if (variant == 2) {
                    options.encodings[0] = EncodingChoice::kDelta;
                    options.encodings[4] = EncodingChoice::kRle;
                    options.encodings[5] = EncodingChoice::kDelta;
                }
                options.metadata = {{"ats.test", "seed"}};
                const std::string path = dir.file("seed" + std::to_string(index++) + ".parquet");
                if (write_table(path, schema, columns, options)) {
                    seeds.push_back(read_bytes(path));
                }
            }
        }
    }
    return seeds;
}

/// Tight limits so that mutated counts cannot ask for much memory.
inline ReaderLimits fuzz_limits() {
    ReaderLimits limits;
    limits.max_footer_bytes = 1U << 20;
    limits.max_page_bytes = 1U << 20;
    limits.max_row_group_rows = 1 << 16;
    limits.max_column_bytes = 4U << 20;
    limits.max_dictionary_entries = 1 << 16;
    return limits;
}

inline void mutate(std::string& file, std::mt19937_64& rng) {
    if (file.size() < 16) {
        return;
    }
    std::uint32_t footer_len = 0;
    std::memcpy(&footer_len, file.data() + file.size() - 8, 4);
    const std::size_t footer_begin =
        footer_len < file.size() - 12 ? file.size() - 8 - footer_len : 4;
    const auto pick_in = [&](std::size_t begin, std::size_t end) {
        return begin + static_cast<std::size_t>(rng() % std::max<std::size_t>(1, end - begin));
    };
    // Half the cases keep the footer intact and corrupt pages only (bit flips, interesting
    // bytes, varints): those reach the page header and value decoders.
    const bool pages_only = rng() % 2 == 0;
    const std::uint64_t kinds = pages_only ? 3 : 7;
    const int rounds = 1 + static_cast<int>(rng() % 3);
    for (int round = 0; round < rounds; ++round) {
        const bool in_footer = !pages_only && rng() % 2 == 0;
        const std::size_t lo = in_footer ? footer_begin : 4;
        const std::size_t hi = in_footer ? file.size() - 8 : footer_begin;
        switch (static_cast<int>(rng() % kinds)) {
            case 0: {  // flip a few bits
                const int flips = 1 + static_cast<int>(rng() % 8);
                for (int i = 0; i < flips; ++i) {
                    file[pick_in(lo, hi)] ^= static_cast<char>(1 << (rng() % 8));
                }
                break;
            }
            case 1: {  // interesting bytes
                static const unsigned char kBytes[] = {
                    0x00, 0xFF, 0x7F, 0x80, 0x01, 0x0F, 0xF0, 0x15};
                file[pick_in(lo, hi)] = static_cast<char>(kBytes[rng() % sizeof kBytes]);
                break;
            }
            case 2: {  // a huge varint
                const std::size_t at = pick_in(lo, hi);
                for (std::size_t i = 0; i < 5 && at + i < hi; ++i) {
                    file[at + i] = static_cast<char>(i == 4 ? 0x0F : 0xFF);
                }
                break;
            }
            case 3:  // truncate
                file.resize(pick_in(0, file.size()));
                return;
            case 4: {  // delete bytes inside the footer and fix up its length
                if (footer_begin + 8 >= file.size()) {
                    break;
                }
                const std::size_t at = pick_in(footer_begin, file.size() - 8);
                const std::size_t n = std::min<std::size_t>(1 + rng() % 4, file.size() - 8 - at);
                file.erase(at, n);
                const std::uint32_t len = footer_len - static_cast<std::uint32_t>(n);
                std::memcpy(file.data() + file.size() - 8, &len, 4);
                return;
            }
            case 5: {  // insert bytes inside the footer and fix up its length
                const std::size_t at = pick_in(footer_begin, file.size() - 8);
                const std::size_t n = 1 + rng() % 4;
                std::string junk(n, '\0');
                for (auto& c : junk) {
                    c = static_cast<char>(rng());
                }
                file.insert(at, junk);
                const std::uint32_t len = footer_len + static_cast<std::uint32_t>(n);
                std::memcpy(file.data() + file.size() - 8, &len, 4);
                return;
            }
            default: {  // corrupt the footer length
                std::uint32_t len = static_cast<std::uint32_t>(rng());
                if (rng() % 2 == 0) {
                    len = footer_len + static_cast<std::uint32_t>(rng() % 16) - 8;
                }
                std::memcpy(file.data() + file.size() - 8, &len, 4);
                return;
            }
        }
    }
}

/// Runs `cases` mutated reads from `seed`.
inline FuzzStats run_fuzz(
    std::uint64_t seed, std::uint64_t cases, const std::vector<std::string>& seeds) {
    FuzzStats stats;
    std::mt19937_64 rng(seed);
    const ReaderLimits limits = fuzz_limits();
    for (std::uint64_t i = 0; i < cases; ++i) {
        std::string file = seeds[rng() % seeds.size()];
        mutate(file, rng);
        ++stats.cases;
        auto reader = FileReader::from_buffer(std::move(file), limits, "fuzz");
        if (!reader) {
            ++stats.rejected;
            continue;
        }
        ++stats.opened;
        auto all = read_all(*reader);
        if (all) {
            ++stats.read_ok;
        } else {
            ++stats.rejected;
        }
    }
    return stats;
}

}  // namespace ats::parquet::testing
