// IPv4 fragment reassembly (filled in next).
