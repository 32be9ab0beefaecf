#pragma once

// The footer (FileMetaData) and page headers of parquet.thrift, mapped by hand to and from the
// Thrift compact protocol. Decoding validates what the reader relies on (a flat schema, types
// that agree, non-negative sizes) and names the offending field in its error.

#include <cstddef>
#include <cstdint>
#include <string>

#include "ats/core/error.hpp"
#include "ats/parquet/reader.hpp"
#include "ats/parquet/types.hpp"

namespace ats::parquet::detail {

enum class PageType : std::int32_t {
    kDataPage = 0,
    kIndexPage = 1,
    kDictionaryPage = 2,
    kDataPageV2 = 3
};

struct PageHeader {
    PageType type = PageType::kDataPage;
    std::int32_t uncompressed_page_size = 0;
    std::int32_t compressed_page_size = 0;
    // DATA_PAGE (v1)
    std::int32_t num_values = 0;
    Encoding encoding = Encoding::kPlain;
    Encoding definition_level_encoding = Encoding::kRle;
    Encoding repetition_level_encoding = Encoding::kRle;
    // DATA_PAGE_V2 (num_values and encoding shared with v1)
    std::int32_t num_nulls = 0;
    std::int32_t num_rows = 0;
    std::int32_t definition_levels_byte_length = 0;
    std::int32_t repetition_levels_byte_length = 0;
    bool is_compressed = true;
    // DICTIONARY_PAGE (num_values and encoding shared)
    bool has_body = false;  ///< the header for `type` was present
};

/// Decodes a page header at [data, data + size); `consumed` is its length.
Result<PageHeader> decode_page_header(
    const std::uint8_t* data, std::size_t size, int max_depth, std::size_t& consumed);
void encode_page_header(const PageHeader& header, std::string& out);

Result<FileMetadata> decode_file_metadata(
    const std::uint8_t* data, std::size_t size, const ReaderLimits& limits);
void encode_file_metadata(const FileMetadata& metadata, std::string& out);

}  // namespace ats::parquet::detail
