#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/parquet/column.hpp"
#include "ats/parquet/types.hpp"

namespace ats::parquet {

/// How a column's values are encoded in its data pages.
enum class EncodingChoice : std::uint8_t {
    kAuto,        ///< the smallest of PLAIN, dictionary and (integers) DELTA_BINARY_PACKED
    kPlain,       ///< PLAIN
    kDictionary,  ///< RLE_DICTIONARY with a PLAIN dictionary page (PLAIN when it cannot apply)
    kDelta,       ///< DELTA_BINARY_PACKED (INT32 and INT64 only)
    kRle,         ///< RLE/bit-packed hybrid (BOOLEAN only)
};

enum class PageVersion : std::uint8_t { kV1, kV2 };

struct WriterOptions {
    Codec codec = Codec::kZstd;  ///< kUncompressed, kSnappy or kZstd
    int zstd_level = 3;
    /// Rows per row group when a table is split by write_table (and the recorder's flushes).
    std::size_t row_group_rows = 65'536;
    /// Values per data page (pages also end near 1 MiB of encoded values).
    std::size_t page_rows = 32'768;
    PageVersion page_version = PageVersion::kV1;
    /// Per-column encodings (by schema index); missing entries mean kAuto.
    std::vector<EncodingChoice> encodings;
    /// When a compressed column chunk saves less than this fraction of its size, it is stored
    /// uncompressed instead (reading it then costs nothing). 0 keeps the codec everywhere.
    double min_compression_gain = 0.0;
    /// Row-group min/max statistics (always for timestamps; the catalog skips row groups with
    /// them).
    bool statistics = true;
    std::vector<KeyValue> metadata;
    /// Write to `path.partial` and rename to `path` on close, so `path` never exists broken.
    bool atomic = true;
    /// fsync the file (and its directory on rename) on checkpoint and close.
    bool sync = true;
};

/// Writes a Parquet file with a flat schema, one row group per write_row_group call.
///
///     auto w = FileWriter::create("bars.parquet", schema, {});
///     w->write_row_group(columns);   // one ColumnData per schema column, equal row counts
///     w->close();                    // footer; the file is complete
///
/// checkpoint() writes a complete footer for what is written so far; the next row group is
/// appended after it (readers ignore the bytes of older footers), so a crash between
/// checkpoints leaves a file that recover_file() cuts back to its last footer. Not thread-safe.
class FileWriter {
public:
    static Result<FileWriter> create(
        const std::string& path, std::vector<ColumnSchema> schema, WriterOptions options);

    FileWriter(FileWriter&&) noexcept;
    FileWriter& operator=(FileWriter&&) noexcept;
    ~FileWriter();  ///< without close() the partial file is removed

    /// kInvalidArgument when a column's type, width or row count does not match the schema, or a
    /// required column holds a null; kIo on write errors.
    Status write_row_group(const std::vector<ColumnData>& columns);
    Status checkpoint();
    /// Writes the footer, syncs and (atomic) renames into place.
    Status close();

    /// Adds or replaces a key in the footer's key-value metadata (for later footers).
    void set_metadata(const std::string& key, std::string value);

    std::int64_t rows_written() const noexcept;
    std::size_t row_groups_written() const noexcept;
    std::uint64_t bytes_written() const noexcept;
    const std::string& path() const noexcept;
    /// The file being written (path, or path.partial when atomic).
    const std::string& working_path() const noexcept;

private:
    struct Impl;
    explicit FileWriter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// Writes `columns` (whole columns of one table) as a file, split into row groups of
/// options.row_group_rows.
Status write_table(
    const std::string& path,
    const std::vector<ColumnSchema>& schema,
    const std::vector<ColumnData>& columns,
    const WriterOptions& options);

struct RecoveredFile {
    std::int64_t rows = 0;
    std::size_t row_groups = 0;
    std::uint64_t bytes_before = 0;
    std::uint64_t bytes_after = 0;
};

/// Cuts a file left by a crash back to its last complete footer (see FileWriter::checkpoint).
/// kParse when the file holds no complete footer (nothing is changed then); kIo on I/O errors.
Result<RecoveredFile> recover_file(const std::string& path);

}  // namespace ats::parquet
