#ifndef STREAMD_CZLIB_SHIM_H
#define STREAMD_CZLIB_SHIM_H
#include <zlib.h>

/* deflateInit2/inflateInit2 are macros over the _ functions; Swift cannot
   call macros, so these pass the version and struct size the same way. */
/* memLevel 4: a 4 KiB hash table instead of 64 KiB. Every message is
   compressed on its own, and deflateReset clears the table each time, so
   its size is a memset per message; on JSON messages up to 64 KiB the
   output is the same size within a few bytes (docs/performance.md). */
static inline int streamd_deflate_init(z_streamp stream, int level, int window_bits) {
    return deflateInit2(stream, level, Z_DEFLATED, window_bits, 4, Z_DEFAULT_STRATEGY);
}

static inline int streamd_inflate_init(z_streamp stream, int window_bits) {
    return inflateInit2(stream, window_bits);
}
#endif
