// Vendor default called AE titles tried when a server rejects ours as "called AE not
// recognised" (levels auth and intrusive). Each entry names where the default comes from;
// docs/design.md lists the same table. Order: most common first; the list is short on
// purpose (the discovery makes one association per title, rate-limited).
#pragma once

#include <array>
#include <string_view>

namespace dicomsec::probes {

struct DefaultAeTitle {
  std::string_view title;
  std::string_view product;
  std::string_view source;
};

inline constexpr std::array kDefaultCalledAeTitles{
    DefaultAeTitle{"ANY-SCP", "DCMTK tools",
                   "DCMTK echoscu/findscu/storescu man pages: default called AE title (-aec) ANY-SCP"},
    DefaultAeTitle{"ORTHANC", "Orthanc",
                   "Orthanc Book, configuration.json: \"DicomAet\" defaults to ORTHANC"},
    DefaultAeTitle{"DCM4CHEE", "dcm4chee-arc-light",
                   "dcm4chee-arc-light installation docs: archive AE title DCM4CHEE"},
    DefaultAeTitle{"STORESCP", "DCMTK storescp",
                   "DCMTK storescp man page: own AE title (-aet) defaults to STORESCP"},
    DefaultAeTitle{"CONQUESTSRV1", "Conquest DICOM server",
                   "Conquest dicom.ini shipped with the server: MyACRNema = CONQUESTSRV1"},
    DefaultAeTitle{"COMMON", "DCMTK dcmqrscp",
                   "DCMTK sample configuration dcmqrscp.cfg: storage area AE title COMMON"},
    DefaultAeTitle{"OSIRIX", "OsiriX / Horos",
                   "OsiriX preferences, Listener: default AE title OSIRIX"},
    DefaultAeTitle{"PYNETDICOM", "pynetdicom",
                   "pynetdicom ApplicationEntity(ae_title=...) default PYNETDICOM"},
    DefaultAeTitle{"PACS", "generic",
                   "no single vendor: a generic title administrators commonly configure"},
};

}  // namespace dicomsec::probes
