dicomsec_fuzz_target(report_mds2 DEPS dicomsec::report)
