// The embedded store: one SQLite file (schema in sqlite_store.cpp, docs/design.md §7).
#pragma once

#include <memory>
#include <string>

#include "store/store.hpp"

namespace dicomsec::store {

// The schema version this build writes. A file with a larger PRAGMA user_version was
// written by a newer dicomsec and is refused (StoreError) rather than misread.
inline constexpr int kSqliteSchemaVersion = 4;

// Opens (creating if missing) and migrates the file up to `schema_version` (tests pass a
// lower one to make an old-format file). Throws StoreError with the path and the reason.
// `read_only`: SQLITE_OPEN_READONLY, nothing created or migrated (report, scans, diff); a
// WAL file in a directory the user cannot write is read as immutable when it has no -wal.
std::unique_ptr<Store> open_sqlite(const std::string& path,
                                   int schema_version = kSqliteSchemaVersion, bool create = true,
                                   bool read_only = false);

}  // namespace dicomsec::store
