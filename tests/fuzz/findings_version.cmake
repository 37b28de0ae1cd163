dicomsec_fuzz_target(findings_version DEPS dicomsec::findings)
