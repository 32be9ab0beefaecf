#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

namespace ats::testing {

/// A file in a per-process temp directory holding `content`; removed when destroyed.
class TempFile {
public:
    explicit TempFile(const std::string& content, const std::string& name = "klines.csv") {
        const auto dir =
            std::filesystem::temp_directory_path() /
            ("ats_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
        std::filesystem::create_directories(dir);
        path_ = (dir / name).string();
        std::ofstream out(path_, std::ios::binary);
        out << content;
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        std::error_code ec;
        std::filesystem::remove_all(std::filesystem::path(path_).parent_path(), ec);
    }

    const std::string& path() const { return path_; }

private:
    static inline int counter_ = 0;
    std::string path_;
};

inline std::string data_file(const std::string& name) {
    return std::string(ATS_TEST_DATA_DIR) + "/" + name;
}

inline std::string bundled_file(const std::string& name) {
    return std::string(ATS_BUNDLED_DATA_DIR) + "/" + name;
}

}  // namespace ats::testing
