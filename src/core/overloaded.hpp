// The visitor idiom for std::visit over a set of lambdas.
#pragma once

namespace dicomsec {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace dicomsec
