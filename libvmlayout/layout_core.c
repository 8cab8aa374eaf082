/* layout_core.c — placeholder until written. */
#include "config.h"
#include "internal.h"
