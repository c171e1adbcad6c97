#ifndef WARREN_CLIBPQ_SHIM_H
#define WARREN_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
