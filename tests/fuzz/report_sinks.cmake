dicomsec_fuzz_target(report_sinks DEPS dicomsec::report)
