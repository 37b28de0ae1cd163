dicomsec_fuzz_target(probe_association DEPS dicomsec::probes_core)
