#include "jpeg_guard.h"

#include <string.h>
#include <jerror.h>

static void twindup_jpeg_error_exit(j_common_ptr cinfo) {
    twindup_jpeg_guard *guard = (twindup_jpeg_guard *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    snprintf(guard->message, sizeof guard->message, "%s", text);
    int code = cinfo->err->msg_code;
    if (guard->failure == TWINDUP_OK && code == JERR_BAD_PRECISION) {
        /* libjpeg says only "Unsupported JPEG data precision 12"; say what kind of file it is. */
        guard->failure = TWINDUP_UNSUPPORTED;
        snprintf(guard->message, sizeof guard->message,
                 "%d-bit JPEG is not supported: this libjpeg-turbo decodes 8-bit JPEGs only (libjpeg: %s)",
                 cinfo->err->msg_parm.i[0], text);
    } else if (guard->failure == TWINDUP_OK && code == JERR_SOF_UNSUPPORTED) {
        guard->failure = TWINDUP_UNSUPPORTED; /* lossless and hierarchical JPEG */
    }
    if (guard->failure == TWINDUP_OK && (code == JERR_OUT_OF_MEMORY || code == JERR_NO_BACKING_STORE)) {
        /* Raised when the decoder's working memory would exceed max_memory_to_use. */
        guard->failure = TWINDUP_TOO_LARGE;
        snprintf(guard->message, sizeof guard->message, "decoder memory limit reached (%s)", text);
    }
    longjmp(guard->jump, 1);
}

static void twindup_jpeg_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) {
        return; /* trace messages */
    }
    twindup_jpeg_guard *guard = (twindup_jpeg_guard *)cinfo->err;
    cinfo->err->num_warnings++;
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
        guard->saw_premature_end = 1;
    }
    if (guard->warning_count == 0) {
        char text[JMSG_LENGTH_MAX];
        (*cinfo->err->format_message)(cinfo, text);
        snprintf(guard->first_warning, sizeof guard->first_warning, "%s", text);
    }
    if (guard->warning_count < UINT32_MAX) {
        guard->warning_count++;
    }
}

static void twindup_jpeg_output_message(j_common_ptr cinfo) {
    (void)cinfo; /* a library never writes to stderr; messages reach the caller through the guard */
}

struct jpeg_error_mgr *twindup_jpeg_guard_install(twindup_jpeg_guard *guard) {
    memset(guard, 0, sizeof *guard);
    struct jpeg_error_mgr *manager = jpeg_std_error(&guard->manager);
    manager->error_exit = twindup_jpeg_error_exit;
    manager->emit_message = twindup_jpeg_emit_message;
    manager->output_message = twindup_jpeg_output_message;
    return manager;
}

twindup_status twindup_jpeg_guard_status(const twindup_jpeg_guard *guard) {
    if (guard->failure != TWINDUP_OK) {
        return guard->failure;
    }
    return guard->saw_premature_end ? TWINDUP_TRUNCATED : TWINDUP_CORRUPT;
}
