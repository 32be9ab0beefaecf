#include "ats/evolve/mpi_exchange.hpp"

#include <cstdlib>
#include <string>

#include <mpi.h>

namespace ats::evolve {

std::unique_ptr<MpiExchange> MpiExchange::start_if_launched() {
    int size = 0;
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
        if (const char* v = std::getenv(name); v != nullptr) {
            size = std::atoi(v);
            break;
        }
    }
    if (size <= 1) {
        return nullptr;
    }
    return std::unique_ptr<MpiExchange>(new MpiExchange());
}

MpiExchange::MpiExchange() {
    MPI_Init(nullptr, nullptr);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiExchange::~MpiExchange() {
    MPI_Finalize();
}

void MpiExchange::barrier() {
    MPI_Barrier(MPI_COMM_WORLD);
}

void MpiExchange::abort(int code) {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::exit(code);  // MPI_Abort does not return; this keeps [[noreturn]] honest
}

std::vector<std::vector<double>> MpiExchange::all_gather(const std::vector<double>& mine) {
    const int count = static_cast<int>(mine.size());
    std::vector<int> counts(static_cast<std::size_t>(size_), 0);
    MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
    std::vector<int> offsets(counts.size(), 0);
    int total = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
        offsets[r] = total;
        total += counts[r];
    }
    std::vector<double> all(static_cast<std::size_t>(total));
    MPI_Allgatherv(
        mine.data(),
        count,
        MPI_DOUBLE,
        all.data(),
        counts.data(),
        offsets.data(),
        MPI_DOUBLE,
        MPI_COMM_WORLD);
    std::vector<std::vector<double>> out(counts.size());
    for (std::size_t r = 0; r < counts.size(); ++r) {
        out[r].assign(all.begin() + offsets[r], all.begin() + offsets[r] + counts[r]);
    }
    return out;
}

}  // namespace ats::evolve
