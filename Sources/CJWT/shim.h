#ifndef STREAMD_CJWT_SHIM_H
#define STREAMD_CJWT_SHIM_H
#include <jwt.h>
#endif
