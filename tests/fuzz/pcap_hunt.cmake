dicomsec_fuzz_target(pcap_hunt DEPS dicomsec::pcap)
