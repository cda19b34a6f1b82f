#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot
// import: binding text or blobs needs it so SQLite copies the bytes it is given.
static inline sqlite3_destructor_type elm_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}
