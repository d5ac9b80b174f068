#ifndef TOLLGATE_CLMDB_SHIM_H
#define TOLLGATE_CLMDB_SHIM_H
#include <lmdb.h>
#endif
