dicomsec_fuzz_target(scan_targets DEPS dicomsec::scan)
