dicomsec_fuzz_target(dul_association_acceptor DEPS dicomsec::dul)
