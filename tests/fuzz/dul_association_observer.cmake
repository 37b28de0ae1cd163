dicomsec_fuzz_target(dul_association_observer DEPS dicomsec::dul)
