#ifndef TWINDUP_JPEG_GUARD_H
#define TWINDUP_JPEG_GUARD_H

/* Shared by the JPEG decoder and encoder: an error manager whose error_exit longjmps back into the
 * shim instead of calling exit(), and which never prints. */

#include <setjmp.h>
#include <stdio.h>
#include <jpeglib.h>

#include "CTwindupShims.h"

typedef struct twindup_jpeg_guard {
    struct jpeg_error_mgr manager; /* first, so that cinfo->err can be cast back to the guard */
    jmp_buf jump;
    twindup_status failure; /* set before a jump that is not a libjpeg error (limits) */
    int saw_premature_end;  /* libjpeg warned that the data ended early */
    uint32_t warning_count;
    char first_warning[160];
    char message[JMSG_LENGTH_MAX + 80];
    uint32_t max_scans;
    uint32_t scans_read; /* SOS markers read so far, as the progress monitor last saw them */
    unsigned char *encode_buffer; /* jpeg_mem_dest's output, freed here if encoding fails */
    unsigned long encode_size;
} twindup_jpeg_guard;

/* Points cinfo->err at the guard's manager with the non-exiting, non-printing handlers installed. */
struct jpeg_error_mgr *twindup_jpeg_guard_install(twindup_jpeg_guard *guard);

/* The status a jump into the guard's setjmp stands for. */
twindup_status twindup_jpeg_guard_status(const twindup_jpeg_guard *guard);

#endif
