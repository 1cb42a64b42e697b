#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "jpeg_guard.h"

/* Aborts progressive files with absurd scan counts: each scan re-walks the whole coefficient buffer, so
 * a small file with thousands of scans costs minutes of CPU (a "scan bomb"). */
typedef struct twindup_scan_monitor {
    struct jpeg_progress_mgr base;
    twindup_jpeg_guard *guard;
} twindup_scan_monitor;

static void twindup_jpeg_check_scans(j_common_ptr cinfo) {
    twindup_scan_monitor *monitor = (twindup_scan_monitor *)cinfo->progress;
    if (!cinfo->is_decompressor) {
        return;
    }
    j_decompress_ptr decompress = (j_decompress_ptr)cinfo;
    monitor->guard->scans_read = (uint32_t)decompress->input_scan_number;
    /* Compared unsigned: a limit above INT_MAX would turn negative as an int and refuse every file. */
    if ((uint32_t)decompress->input_scan_number > monitor->guard->max_scans) {
        twindup_jpeg_guard *guard = monitor->guard;
        guard->failure = TWINDUP_TOO_LARGE;
        snprintf(guard->message, sizeof guard->message, "more than %u progressive scans (a scan bomb)",
                 guard->max_scans);
        longjmp(guard->jump, 1);
    }
}

static void twindup_jpeg_copy_exif(j_decompress_ptr cinfo, twindup_decoded *out) {
    static const unsigned char prefix[6] = {'E', 'x', 'i', 'f', 0, 0};
    for (jpeg_saved_marker_ptr marker = cinfo->marker_list; marker != NULL; marker = marker->next) {
        if (marker->marker != JPEG_APP0 + 1 || marker->data_length <= sizeof prefix ||
            memcmp(marker->data, prefix, sizeof prefix) != 0) {
            continue;
        }
        size_t length = marker->data_length - sizeof prefix;
        out->exif = malloc(length);
        if (out->exif != NULL) { /* without memory for EXIF the image still decodes, unrotated */
            memcpy(out->exif, marker->data + sizeof prefix, length);
            out->exif_length = length;
        }
        return;
    }
}

/* Picks the smallest scale M/8 whose short output side is at least min_short_side. */
static void twindup_jpeg_choose_scale(j_decompress_ptr cinfo, uint32_t min_short_side) {
    cinfo->scale_denom = 8;
    for (unsigned int numerator = 1; numerator <= 8; numerator++) {
        cinfo->scale_num = numerator;
        jpeg_calc_output_dimensions(cinfo);
        JDIMENSION short_side =
            cinfo->output_width < cinfo->output_height ? cinfo->output_width : cinfo->output_height;
        if (short_side >= min_short_side) {
            return;
        }
    }
}

/* Zigzag positions of the coefficients a 1x1 and a 2x2 scaled inverse DCT read: DC, then (0,1), (1,0), (1,1). */
static const int twindup_low_frequency_zigzag[4] = {0, 1, 2, 4};

/* At scale 1/8 each 8x8 luma block becomes one pixel made from its DC coefficient alone, and subsampled chroma
 * becomes 2x2 pixels made from its four lowest coefficients (libjpeg scales chroma up in the IDCT rather than
 * upsampling it). Whether every component's inverse DCT is that small, so that a progressive file can stop early. */
static int twindup_jpeg_low_frequencies_suffice(j_decompress_ptr cinfo) {
    for (int component = 0; component < cinfo->num_components; component++) {
        if (cinfo->comp_info[component].DCT_scaled_size > 2) {
            return 0;
        }
    }
    return 1;
}

/* Reads scans until every coefficient the small inverse DCTs read has arrived: a progressive file's remaining
 * scans (most of its bytes and of its entropy decoding) cannot change the picture. Those coefficients may still
 * lack their lowest bit (successive approximation), which moves a pixel by at most its quantisation step / 8.
 * Returns 0 on success. */
static int twindup_jpeg_consume_low_frequency_scans(j_decompress_ptr cinfo) {
    for (;;) {
        int status = jpeg_consume_input(cinfo);
        if (status == JPEG_SUSPENDED) {
            return -1;
        }
        if (status == JPEG_REACHED_EOI) {
            return 0;
        }
        if (status != JPEG_SCAN_COMPLETED) {
            continue;
        }
        /* Only progressive decoding keeps per-coefficient progress; without it, read on to the end. */
        int complete = cinfo->coef_bits != NULL;
        for (int component = 0; complete && component < cinfo->num_components; component++) {
            int needed = cinfo->comp_info[component].DCT_scaled_size == 1 ? 1 : 4;
            for (int index = 0; index < needed; index++) {
                if (cinfo->coef_bits[component][twindup_low_frequency_zigzag[index]] < 0) {
                    complete = 0;
                }
            }
        }
        if (complete) {
            return 0;
        }
    }
}

static uint8_t twindup_multiply_255(unsigned int a, unsigned int b) {
    return (uint8_t)((a * b + 127) / 255);
}

/* Adobe applications write CMYK (and YCCK, which libjpeg turns into CMYK) with inverted samples (255 = no ink),
 * and a file with Adobe's APP14 marker is read that way. Without the marker a 4-component JPEG is taken as plain
 * CMYK (0 = no ink), the JPEG convention libjpeg documents; some readers assume Adobe's inversion there too. */
static void twindup_cmyk_row_to_rgb(const JSAMPLE *cmyk, uint8_t *rgb, JDIMENSION width, int inverted) {
    for (JDIMENSION x = 0; x < width; x++, cmyk += 4, rgb += 3) {
        unsigned int c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
        if (!inverted) {
            c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
        }
        rgb[0] = twindup_multiply_255(c, k);
        rgb[1] = twindup_multiply_255(m, k);
        rgb[2] = twindup_multiply_255(y, k);
    }
}

static twindup_status twindup_jpeg_fail(twindup_jpeg_guard *guard, twindup_status status, const char *message) {
    guard->failure = status;
    snprintf(guard->message, sizeof guard->message, "%s", message);
    return status;
}

twindup_status twindup_jpeg_decode(const uint8_t *data, size_t size, uint32_t min_short_side,
                                   const twindup_limits *limits, twindup_decoded *out, twindup_error *error) {
    if (data == NULL || out == NULL || error == NULL || limits == NULL || size == 0 || size > ULONG_MAX) {
        return TWINDUP_INVALID_ARGUMENT;
    }
    memset(out, 0, sizeof *out);
    error->message[0] = '\0';

    struct jpeg_decompress_struct cinfo;
    twindup_jpeg_guard guard;
    twindup_scan_monitor monitor;
    cinfo.err = twindup_jpeg_guard_install(&guard);
    guard.max_scans = limits->max_progressive_scans;
    twindup_status status = TWINDUP_OK;

    if (setjmp(guard.jump)) {
        status = twindup_jpeg_guard_status(&guard);
        goto cleanup;
    }
    jpeg_create_decompress(&cinfo);
    cinfo.mem->max_memory_to_use =
        limits->max_decoder_bytes > (uint64_t)LONG_MAX ? LONG_MAX : (long)limits->max_decoder_bytes;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    memset(&monitor, 0, sizeof monitor);
    monitor.base.progress_monitor = twindup_jpeg_check_scans;
    monitor.guard = &guard;
    cinfo.progress = &monitor.base;

    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
        status = twindup_jpeg_fail(&guard, TWINDUP_CORRUPT, "no image in the JPEG data");
        goto cleanup;
    }
    out->stored_width = cinfo.image_width;
    out->stored_height = cinfo.image_height;
    if (cinfo.image_width == 0 || cinfo.image_height == 0) {
        status = twindup_jpeg_fail(&guard, TWINDUP_CORRUPT, "JPEG header gives a zero image size");
        goto cleanup;
    }
    /* The limit check comes before jpeg_start_decompress, which allocates the decoder's buffers. */
    if ((uint64_t)cinfo.image_width * cinfo.image_height > limits->max_pixels) {
        guard.failure = TWINDUP_TOO_LARGE;
        snprintf(guard.message, sizeof guard.message, "%ux%u pixels is over the limit of %llu pixels",
                 cinfo.image_width, cinfo.image_height, (unsigned long long)limits->max_pixels);
        status = TWINDUP_TOO_LARGE;
        goto cleanup;
    }
    int is_cmyk = 0;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo.out_color_space = JCS_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        cinfo.out_color_space = JCS_CMYK;
        is_cmyk = 1;
        break;
    default:
        status = twindup_jpeg_fail(&guard, TWINDUP_UNSUPPORTED, "unsupported JPEG colour space");
        goto cleanup;
    }
    twindup_jpeg_copy_exif(&cinfo, out);
    if (min_short_side > 0) {
        twindup_jpeg_choose_scale(&cinfo, min_short_side);
    }
    jpeg_calc_output_dimensions(&cinfo);
    if (cinfo.output_components != (is_cmyk ? 4 : 3)) {
        status = twindup_jpeg_fail(&guard, TWINDUP_CORRUPT, "unexpected number of output components");
        goto cleanup;
    }
    /* Sequential files may also come in several scans (one per component), but each scan then carries every
     * coefficient of its component: only progressive files can stop early. */
    int early_stop = cinfo.progressive_mode && jpeg_has_multiple_scans(&cinfo) &&
                     twindup_jpeg_low_frequencies_suffice(&cinfo);
    if (early_stop) {
        cinfo.buffered_image = TRUE;
        /* Smoothing guesses missing higher coefficients, which the small inverse DCTs do not read. */
        cinfo.do_block_smoothing = FALSE;
    }
    if (!jpeg_start_decompress(&cinfo)) {
        status = twindup_jpeg_fail(&guard, TWINDUP_CORRUPT, "decoder suspended on complete input");
        goto cleanup;
    }
    if (early_stop) {
        if (twindup_jpeg_consume_low_frequency_scans(&cinfo) != 0 || !jpeg_start_output(&cinfo, cinfo.input_scan_number)) {
            status = twindup_jpeg_fail(&guard, TWINDUP_CORRUPT, "decoder suspended on complete input");
            goto cleanup;
        }
    }
    JDIMENSION width = cinfo.output_width;
    size_t row_bytes = (size_t)width * 3;
    uint64_t bytes = (uint64_t)row_bytes * cinfo.output_height;
    out->pixels = malloc((size_t)bytes);
    if (out->pixels == NULL) {
        status = twindup_jpeg_fail(&guard, TWINDUP_OUT_OF_MEMORY, "out of memory for the pixel buffer");
        goto cleanup;
    }
    out->pixel_buffer_bytes = bytes;
    out->width = width;
    out->height = cinfo.output_height;

    JSAMPARRAY cmyk_row = NULL;
    if (is_cmyk) {
        cmyk_row = (*cinfo.mem->alloc_sarray)((j_common_ptr)&cinfo, JPOOL_IMAGE, width * 4, 1);
    }
    enum { batch = 8 };
    JSAMPROW rows[batch];
    while (cinfo.output_scanline < cinfo.output_height) {
        JDIMENSION first = cinfo.output_scanline;
        JDIMENSION read;
        if (is_cmyk) {
            read = jpeg_read_scanlines(&cinfo, cmyk_row, 1);
            if (read == 1) {
                twindup_cmyk_row_to_rgb(cmyk_row[0], out->pixels + first * row_bytes, width, cinfo.saw_Adobe_marker);
            }
        } else {
            JDIMENSION wanted = cinfo.output_height - first < batch ? cinfo.output_height - first : batch;
            for (JDIMENSION i = 0; i < wanted; i++) {
                rows[i] = out->pixels + (size_t)(first + i) * row_bytes;
            }
            read = jpeg_read_scanlines(&cinfo, rows, wanted);
        }
        if (read == 0) {
            status = twindup_jpeg_fail(&guard, TWINDUP_CORRUPT, "decoder returned no rows");
            goto cleanup;
        }
        out->decoded_pixels += (uint64_t)read * width;
    }
    if (early_stop) {
        /* The remaining scans are left unread: jpeg_destroy_decompress below releases the decoder. */
        if (!jpeg_finish_output(&cinfo)) {
            status = twindup_jpeg_fail(&guard, TWINDUP_CORRUPT, "decoder suspended at the end of the image");
            goto cleanup;
        }
    } else if (!jpeg_finish_decompress(&cinfo)) {
        status = twindup_jpeg_fail(&guard, TWINDUP_CORRUPT, "decoder suspended at the end of the image");
        goto cleanup;
    }
    guard.scans_read = (uint32_t)cinfo.input_scan_number;

cleanup:
    jpeg_destroy_decompress(&cinfo);
    out->scans_read = guard.scans_read;
    out->warning_count = guard.warning_count;
    memcpy(out->first_warning, guard.first_warning, sizeof out->first_warning);
    if (status != TWINDUP_OK) {
        snprintf(error->message, sizeof error->message, "%s", guard.message);
        uint64_t allocated = out->pixel_buffer_bytes;
        uint32_t stored_width = out->stored_width, stored_height = out->stored_height;
        twindup_decoded_free(out);
        out->scans_read = guard.scans_read;
        out->pixel_buffer_bytes = allocated;
        out->stored_width = stored_width;
        out->stored_height = stored_height;
    }
    return status;
}

void twindup_decoded_free(twindup_decoded *decoded) {
    if (decoded == NULL) {
        return;
    }
    free(decoded->pixels);
    free(decoded->exif);
    memset(decoded, 0, sizeof *decoded);
}

void twindup_buffer_free(uint8_t *buffer) { free(buffer); }
