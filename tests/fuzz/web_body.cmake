dicomsec_fuzz_target(web_body DEPS dicomsec::probes_core)
