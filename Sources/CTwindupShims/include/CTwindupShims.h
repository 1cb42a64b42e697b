#ifndef CTWINDUP_SHIMS_H
#define CTWINDUP_SHIMS_H
/* setjmp-guarded entry points into libjpeg and libpng; filled in by the ImageIO work. */
int twindup_shims_version(void);
#endif
