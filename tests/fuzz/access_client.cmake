dicomsec_fuzz_target(access_client DEPS dicomsec::probes_core)
