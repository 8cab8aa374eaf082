/* classify_kernel.c — placeholder until written (kernel half, issue 4). */
#include "config.h"
#include "internal.h"
