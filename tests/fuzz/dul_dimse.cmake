dicomsec_fuzz_target(dul_dimse DEPS dicomsec::dul)
