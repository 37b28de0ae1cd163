dicomsec_fuzz_target(tls_cert_info DEPS dicomsec::probes_core)
