#pragma once

// `packyard backup --data D --to DIR` and `packyard restore --from DIR --data D`: their options,
// the line each prints and the exit status (store/backup.hpp does the work).
//
// Exit status: 0 done; 1 failed (I/O, LMDB); 2 the command line is wrong; 3 refused (a folder
// is not empty, no store at --data, a newer layout); 4 damaged (a blob or data.mdb does not
// match its sha256, a blob is missing, the backup has no complete manifest).

#include "server/config.hpp"

#include <string_view>

namespace packyard::server {

/// argv[1] is "backup" or "restore".
command parse_copy_command(int argc, char** argv);

int run_backup(const copy_args& args, std::string_view packyard_version);
int run_restore(const copy_args& args);

} // namespace packyard::server
