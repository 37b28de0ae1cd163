// Factories of the individual formats; make_sink (sink.cpp) picks one.
#pragma once

#include <memory>
#include <ostream>

#include "report/sink.hpp"

namespace dicomsec::report {

std::unique_ptr<Sink> make_jsonl_sink(std::ostream& out);  // sink.cpp
std::unique_ptr<Sink> make_csv_sink(std::ostream& out);    // sink_csv.cpp
std::unique_ptr<Sink> make_sarif_sink(std::ostream& out);  // sink_sarif.cpp
std::unique_ptr<Sink> make_html_sink(std::ostream& out);   // html/sink_html.cpp

}  // namespace dicomsec::report
