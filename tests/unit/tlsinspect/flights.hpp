// Loads a recorded server flight (tests/unit/tlsinspect/flights/).
#pragma once

#include <fstream>
#include <iterator>
#include <string>

#include "core/bytes.hpp"

inline dicomsec::Bytes load_flight(const std::string& name) {
  std::ifstream in(std::string(TLS_FLIGHTS_DIR) + "/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
