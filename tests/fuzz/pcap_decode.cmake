dicomsec_fuzz_target(pcap_decode DEPS dicomsec::pcap)
