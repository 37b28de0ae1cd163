dicomsec_fuzz_target(pcap_reassembly DEPS dicomsec::pcap)
