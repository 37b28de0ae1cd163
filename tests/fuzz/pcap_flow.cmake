dicomsec_fuzz_target(pcap_flow DEPS dicomsec::pcap)
