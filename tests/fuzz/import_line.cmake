dicomsec_fuzz_target(import_line DEPS dicomsec::import)
