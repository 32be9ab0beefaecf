#pragma once

// Replaces the global operator new with one that counts calls, for programs that check that a
// hot path does not allocate. Include it in exactly one source file of a test or bench program.

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace ats::testing {
inline std::atomic<std::int64_t> g_allocations{0};

/// Heap allocations made through operator new so far in this program.
inline std::int64_t allocations() noexcept {
    return g_allocations.load(std::memory_order_relaxed);
}
}  // namespace ats::testing

void* operator new(std::size_t size) {
    ats::testing::g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) {
        return p;
    }
    throw std::bad_alloc();
}
// GCC warns that free() does not match the operator new it sees inlined; here both sides are ours.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t /*size*/) noexcept {
    std::free(p);
}
#pragma GCC diagnostic pop
