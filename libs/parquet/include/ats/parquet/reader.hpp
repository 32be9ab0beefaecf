#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "ats/core/error.hpp"
#include "ats/parquet/column.hpp"
#include "ats/parquet/types.hpp"

namespace ats::parquet {

/// Bounds that keep a hostile file from making the reader allocate without limit. A file that
/// exceeds one is an error (kOutOfRange) naming the limit.
struct ReaderLimits {
    std::size_t max_footer_bytes = 64U << 20;
    std::size_t max_page_bytes = 256U << 20;  ///< compressed or uncompressed
    std::int64_t max_row_group_rows = std::int64_t{1} << 26;
    std::size_t max_column_bytes = std::size_t{1} << 30;  ///< decoded byte arrays per column chunk
    std::size_t max_columns = 4096;
    std::size_t max_row_groups = 1U << 20;
    std::size_t max_dictionary_entries = 1U << 24;
    int max_nesting = 32;  ///< Thrift struct depth
};

/// Reads Parquet files with a flat schema (every leaf a top-level column; nested schemas are
/// refused). Encodings: PLAIN, RLE/bit-packed hybrid (levels, booleans, dictionary indices),
/// PLAIN_DICTIONARY and RLE_DICTIONARY, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
/// DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT; data pages v1 and v2; codecs UNCOMPRESSED, SNAPPY and
/// ZSTD. Files are memory-mapped; every offset and size is checked against the file and the
/// limits, so a corrupt or hostile file gives an error naming the file, row group, column and
/// page, never a crash. Thread-safe for concurrent reads of different columns.
///
///     auto file = FileReader::open("bars.parquet");
///     const FileMetadata& meta = file->metadata();
///     auto close = file->read_column(0, *meta.find_column("close"));
class FileReader {
public:
    static Result<FileReader> open(const std::string& path, const ReaderLimits& limits = {});
    /// Reads from bytes in memory (tests, fuzzing); `name` stands for the path in messages.
    static Result<FileReader> from_buffer(
        std::string bytes, const ReaderLimits& limits = {}, std::string name = "<memory>");

    FileReader(FileReader&&) noexcept;
    FileReader& operator=(FileReader&&) noexcept;
    ~FileReader();

    const FileMetadata& metadata() const noexcept;
    const std::string& path() const noexcept;
    std::uint64_t file_size() const noexcept;

    /// All values of one column chunk.
    Result<ColumnData> read_column(std::size_t row_group, std::size_t column) const;
    /// Appends the values of one column chunk to `out` (whose type must match).
    Status read_column_into(std::size_t row_group, std::size_t column, ColumnData& out) const;

private:
    struct Impl;
    explicit FileReader(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// The min and max of an INT32 or INT64 column chunk from its statistics, if written.
std::optional<std::pair<std::int64_t, std::int64_t>> int64_range(const ColumnChunkInfo& chunk);

}  // namespace ats::parquet
