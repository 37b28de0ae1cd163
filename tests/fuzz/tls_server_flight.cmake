dicomsec_fuzz_target(tls_server_flight DEPS dicomsec::tlsinspect)
