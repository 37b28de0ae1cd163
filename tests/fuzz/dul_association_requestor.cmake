dicomsec_fuzz_target(dul_association_requestor DEPS dicomsec::dul)
