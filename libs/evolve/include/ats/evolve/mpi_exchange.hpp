#pragma once

#include <memory>
#include <vector>

#include "ats/evolve/search.hpp"

namespace ats::evolve {

/// Islands spread over the ranks of an MPI job (`mpirun -np N ats evolve ...`). MPI stays in the
/// .cpp file. One per process: the constructor initialises MPI, the destructor finalises it.
class MpiExchange final : public Exchange {
public:
    /// An exchange when this process was started by mpirun with more than one rank (OpenMPI's
    /// OMPI_COMM_WORLD_SIZE / PMI_SIZE); nullptr otherwise, without touching MPI.
    static std::unique_ptr<MpiExchange> start_if_launched();
    ~MpiExchange() override;
    MpiExchange(const MpiExchange&) = delete;
    MpiExchange& operator=(const MpiExchange&) = delete;

    int rank() const override { return rank_; }
    int size() const override { return size_; }
    std::vector<std::vector<double>> all_gather(const std::vector<double>& mine) override;
    /// Waits for every rank.
    void barrier();
    /// Ends every rank of the job with `code` (a failed rank must not leave the others waiting
    /// in a collective).
    [[noreturn]] void abort(int code);

private:
    MpiExchange();
    int rank_ = 0;
    int size_ = 1;
};

}  // namespace ats::evolve
