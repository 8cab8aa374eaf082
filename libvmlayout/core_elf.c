/* core_elf.c — placeholder until written. */
#include "config.h"
#include "internal.h"
