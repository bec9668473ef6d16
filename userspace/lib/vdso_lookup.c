// SPDX-License-Identifier: LGPL-2.1-or-later
/* Build the kernel's parse_vdso.c under the names vdso_lookup.h gives it. */
#include "vdso_lookup.h"
#include "parse_vdso.c"
