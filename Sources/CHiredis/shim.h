#ifndef STREAMD_CHIREDIS_SHIM_H
#define STREAMD_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>

// redisReader.errstr is a fixed char array, which Swift imports as a
// 128-element tuple; a pointer is what String(cString:) wants.
static inline const char *CHiredis_reader_error(const redisReader *reader) {
    return reader->errstr;
}
#endif
