#include "CTwindupShims.h"
int twindup_shims_version(void) { return 1; }
