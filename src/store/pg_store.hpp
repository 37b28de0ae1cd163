// The PostgreSQL store (libpqxx): the same interface as the SQLite file, for scans that
// outgrow one machine — many shard processes writing one logical scan (docs/scale-out.md).
#pragma once

#include <memory>
#include <string>

#include "store/store.hpp"

namespace dicomsec::store {

// The schema version this build writes (table dicomsec_schema). A database with a larger
// version was written by a newer dicomsec and is refused rather than misread.
inline constexpr int kPostgresSchemaVersion = 2;

// `url`: postgresql://[user[:password]@][host][:port][/dbname][?param=value...]; libpq fills
// what the URL leaves out from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGPASSFILE, PGDATABASE...
// Migrates up to `schema_version` unless `read_only` (report, scans, diff). Throws
// StoreError; no message it builds contains the password (redact_location).
std::unique_ptr<Store> open_postgres(const std::string& url,
                                     int schema_version = kPostgresSchemaVersion,
                                     bool read_only = false);

}  // namespace dicomsec::store
