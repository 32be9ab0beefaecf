// Seeded mutation fuzzing of the Parquet footer and page decoders, at scale:
//   build/release/bench/ats_parquet_fuzz [cases] [seed]     (default 1,000,000 cases, seed 1)
// Exits non-zero only by crashing (or a sanitizer report in the dev preset); prints how many
// mutated files were opened, read in full, or rejected with an error.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz_harness.hpp"

int main(int argc, char** argv) {
    const std::uint64_t cases = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
    const std::uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
    const auto seeds = ats::parquet::testing::fuzz_seeds();
    const auto start = std::chrono::steady_clock::now();
    ats::parquet::testing::FuzzStats total;
    const std::uint64_t batch = 100'000;
    for (std::uint64_t done = 0; done < cases; done += batch) {
        const auto n = std::min(batch, cases - done);
        const auto s = ats::parquet::testing::run_fuzz(seed * 1'000'003 + done, n, seeds);
        total.cases += s.cases;
        total.opened += s.opened;
        total.read_ok += s.read_ok;
        total.rejected += s.rejected;
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::fprintf(
            stderr,
            "\rparquet fuzz: %llu cases, %llu footers accepted, %llu read in full, %llu rejected "
            "(%.0f cases/s)",
            static_cast<unsigned long long>(total.cases),
            static_cast<unsigned long long>(total.opened),
            static_cast<unsigned long long>(total.read_ok),
            static_cast<unsigned long long>(total.rejected),
            static_cast<double>(total.cases) / secs);
    }
    std::fprintf(stderr, "\n");
    std::printf(
        "%llu cases from %zu seed files, seed %llu: %llu footers accepted, %llu read in full, "
        "%llu rejected with an error, 0 crashes\n",
        static_cast<unsigned long long>(total.cases),
        seeds.size(),
        static_cast<unsigned long long>(seed),
        static_cast<unsigned long long>(total.opened),
        static_cast<unsigned long long>(total.read_ok),
        static_cast<unsigned long long>(total.rejected));
    return 0;
}
