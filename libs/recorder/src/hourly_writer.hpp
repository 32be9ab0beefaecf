#pragma once

// Rows of one kind and one symbol into hourly Parquet files: buffered, written as a row group
// with a checkpointed footer every `checkpoint_every` (a crash loses at most that much; the file
// is `<name>.parquet.partial` until its hour ends and it is closed and renamed into place).

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ats/core/error.hpp"
#include "ats/core/time.hpp"
#include "ats/parquet/writer.hpp"

namespace ats::recorder::detail {

/// `stem` + ".parquet", or stem-1.parquet, stem-2.parquet ... when taken (by a file or by a
/// partial one: a restart within the same hour writes a new part).
inline std::string free_name(const std::string& stem) {
    std::error_code ec;
    for (int n = 0;; ++n) {
        const std::string path = n == 0 ? stem + ".parquet" : fmt::format("{}-{}.parquet", stem, n);
        if (!std::filesystem::exists(path, ec) && !std::filesystem::exists(path + ".partial", ec)) {
            return path;
        }
    }
}

template <class Record>
class HourlyWriter {
public:
    using Columns =
        std::function<Result<std::vector<parquet::ColumnData>>(std::span<const Record>)>;
    /// The file stem (without .parquet) of an hour.
    using Stem = std::function<std::string(Timestamp hour)>;
    /// Called after a new hour's file is opened (e.g. to write a book snapshot into it first).
    using OnOpen = std::function<Status(Timestamp hour)>;
    /// Called before a footer is written (e.g. to refresh ats.gaps).
    using BeforeFooter = std::function<void(parquet::FileWriter&, Timestamp hour)>;

    HourlyWriter(
        std::vector<parquet::ColumnSchema> schema,
        parquet::WriterOptions options,
        Columns columns,
        Stem stem,
        Duration checkpoint_every)
        : schema_(std::move(schema)),
          options_(std::move(options)),
          columns_(std::move(columns)),
          stem_(std::move(stem)),
          checkpoint_every_(std::chrono::nanoseconds(checkpoint_every.ns())) {}

    void on_open(OnOpen f) { on_open_ = std::move(f); }
    void before_footer(BeforeFooter f) { before_footer_ = std::move(f); }

    /// Adds a row of hour `hour`; a new hour closes the current file first.
    Status add(const Record& row, Timestamp hour) {
        if (!hour_ || *hour_ != hour) {
            if (auto s = close(); !s) {
                return s;
            }
            if (auto s = open(hour); !s) {
                return s;
            }
        }
        buffer_.push_back(row);
        return ok_status();
    }

    /// Writes buffered rows and a footer when `checkpoint_every` has passed.
    Status tick(std::chrono::steady_clock::time_point now) {
        if (!writer_ || now - last_checkpoint_ < checkpoint_every_) {
            return ok_status();
        }
        return checkpoint(now);
    }

    Status checkpoint(std::chrono::steady_clock::time_point now) {
        last_checkpoint_ = now;
        if (!writer_) {
            return ok_status();
        }
        if (auto s = write_buffer(); !s) {
            return s;
        }
        if (before_footer_) {
            before_footer_(*writer_, *hour_);
        }
        return writer_->checkpoint();
    }

    /// Closes the open file (footer, rename into place). Returns whether one was closed.
    Status close() {
        if (!writer_) {
            return ok_status();
        }
        if (auto s = write_buffer(); !s) {
            return s;
        }
        if (before_footer_) {
            before_footer_(*writer_, *hour_);
        }
        auto s = writer_->close();
        writer_.reset();
        hour_.reset();
        ++files_closed_;
        return s;
    }

    bool open_file() const noexcept { return writer_.has_value(); }
    std::uint64_t files_closed() const noexcept { return files_closed_; }

private:
    Status open(Timestamp hour) {
        const std::string path = free_name(stem_(hour));
        std::error_code ec;
        std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
        if (ec) {
            return make_error(
                ErrorCode::kIo,
                fmt::format("{}: cannot create its directory: {}", path, ec.message()));
        }
        auto w = parquet::FileWriter::create(path, schema_, options_);
        if (!w) {
            return tl::unexpected(w.error());
        }
        writer_.emplace(std::move(*w));
        hour_ = hour;
        last_checkpoint_ = std::chrono::steady_clock::now();
        if (on_open_) {
            return on_open_(hour);
        }
        return ok_status();
    }

    Status write_buffer() {
        if (buffer_.empty()) {
            return ok_status();
        }
        auto cols = columns_(buffer_);
        if (!cols) {
            return tl::unexpected(cols.error());
        }
        buffer_.clear();
        return writer_->write_row_group(*cols);
    }

    std::vector<parquet::ColumnSchema> schema_;
    parquet::WriterOptions options_;
    Columns columns_;
    Stem stem_;
    std::chrono::steady_clock::duration checkpoint_every_;
    OnOpen on_open_;
    BeforeFooter before_footer_;
    std::optional<parquet::FileWriter> writer_;
    std::optional<Timestamp> hour_;
    std::vector<Record> buffer_;
    std::chrono::steady_clock::time_point last_checkpoint_{};
    std::uint64_t files_closed_ = 0;
};

}  // namespace ats::recorder::detail
