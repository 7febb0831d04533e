#ifndef STREAMD_CZLIB_SHIM_H
#define STREAMD_CZLIB_SHIM_H
#include <zlib.h>

/* deflateInit2/inflateInit2 are macros over the _ functions; Swift cannot
   call macros, so these pass the version and struct size the same way. */
static inline int streamd_deflate_init(z_streamp stream, int level, int window_bits) {
    return deflateInit2(stream, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
}

static inline int streamd_inflate_init(z_streamp stream, int window_bits) {
    return inflateInit2(stream, window_bits);
}
#endif
