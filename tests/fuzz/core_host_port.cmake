dicomsec_fuzz_target(core_host_port DEPS dicomsec::core)
