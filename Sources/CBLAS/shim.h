#ifndef TOLLGATE_CBLAS_SHIM_H
#define TOLLGATE_CBLAS_SHIM_H
#include <cblas.h>
#endif
