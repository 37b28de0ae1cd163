dicomsec_fuzz_target(dul_pdu DEPS dicomsec::dul)
