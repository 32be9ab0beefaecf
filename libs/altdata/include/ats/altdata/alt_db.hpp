#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ats/altdata/headlines.hpp"
#include "ats/altdata/pit_store.hpp"
#include "ats/core/error.hpp"

namespace ats::altdata {

/// Collected alternative data in one SQLite file (WAL): observations with every vintage,
/// headlines, and each collector's resume cursor. A value that differs from the latest stored
/// vintage of its (series, event) is stored as the next vintage, available from when it was
/// collected (a revision could not have been known earlier); an equal value is not stored again.
class AltDb {
public:
    /// Creates the file and its tables when missing. kIo naming the path on failure.
    static Result<AltDb> open(const std::string& path);
    AltDb(AltDb&&) noexcept;
    AltDb& operator=(AltDb&&) noexcept;
    ~AltDb();

    struct Saved {
        std::size_t added = 0;      ///< new (series, event) values
        std::size_t revised = 0;    ///< new vintages of known values
        std::size_t unchanged = 0;  ///< equal to what was stored
    };
    /// Saves in one transaction. Each observation's `vintage` is ignored (the database assigns
    /// it); `available` is required.
    Result<Saved> save(const std::vector<Observation>& observations);
    /// Headlines by (source, url or title, published): a headline seen again is not stored twice.
    Result<std::size_t> save_headlines(
        const std::vector<Headline>& headlines, const std::string& feed);

    Result<std::optional<std::string>> cursor(const std::string& collector);
    Status set_cursor(const std::string& collector, const std::string& value);

    /// Every observation (all vintages) into a point-in-time store, and the headlines.
    Result<PointInTimeStore> load_store();
    Result<std::vector<Headline>> load_headlines();
    Result<std::vector<Observation>> observations(const std::string& series);

private:
    struct Impl;
    explicit AltDb(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::altdata
