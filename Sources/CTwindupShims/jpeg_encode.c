#include <stdlib.h>
#include <string.h>

#include "jpeg_guard.h"

static twindup_status twindup_jpeg_encode_failed(struct jpeg_compress_struct *cinfo, twindup_jpeg_guard *guard,
                                                 twindup_error *error, const char *message) {
    snprintf(error->message, sizeof error->message, "%s", message);
    jpeg_destroy_compress(cinfo);
    free(guard->encode_buffer);
    return TWINDUP_CORRUPT;
}

/* Installs the caller's scan script, checked for shape here; libjpeg checks the progression itself. */
static int twindup_jpeg_set_scans(struct jpeg_compress_struct *cinfo, const twindup_jpeg_scan *scans,
                                  uint32_t scan_count) {
    jpeg_scan_info *script =
        (*cinfo->mem->alloc_large)((j_common_ptr)cinfo, JPOOL_PERMANENT, sizeof(jpeg_scan_info) * scan_count);
    for (uint32_t i = 0; i < scan_count; i++) {
        const twindup_jpeg_scan *scan = &scans[i];
        if (scan->component_count < 1 || scan->component_count > MAX_COMPS_IN_SCAN) {
            return 0;
        }
        script[i].comps_in_scan = scan->component_count;
        for (int c = 0; c < scan->component_count; c++) {
            if (scan->components[c] >= (uint8_t)cinfo->num_components) {
                return 0;
            }
            script[i].component_index[c] = scan->components[c];
        }
        script[i].Ss = scan->spectral_start;
        script[i].Se = scan->spectral_end;
        script[i].Ah = scan->high_bit;
        script[i].Al = scan->low_bit;
    }
    cinfo->scan_info = script;
    cinfo->num_scans = (int)scan_count;
    return 1;
}

twindup_status twindup_jpeg_encode_samples(const uint8_t *samples, uint32_t width, uint32_t height,
                                           const twindup_jpeg_encode_options *options, uint8_t **output,
                                           size_t *output_size, twindup_error *error) {
    if (samples == NULL || options == NULL || output == NULL || output_size == NULL || error == NULL ||
        width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION ||
        options->quality < 1 || options->quality > 100 ||
        (options->input_components != 3 && options->input_components != 4) ||
        (options->scans == NULL) != (options->scan_count == 0) || options->scan_count > INT32_MAX) {
        return TWINDUP_INVALID_ARGUMENT;
    }
    /* YCCK is only recognisable from the Adobe marker's transform flag. */
    if (options->store_as_ycck && (options->input_components != 4 || !options->adobe_marker)) {
        return TWINDUP_INVALID_ARGUMENT;
    }
    *output = NULL;
    *output_size = 0;
    error->message[0] = '\0';
    struct jpeg_compress_struct cinfo;
    twindup_jpeg_guard guard;
    cinfo.err = twindup_jpeg_guard_install(&guard);
    if (setjmp(guard.jump)) {
        return twindup_jpeg_encode_failed(&cinfo, &guard, error, guard.message);
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &guard.encode_buffer, &guard.encode_size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = (int)options->input_components;
    cinfo.in_color_space = options->input_components == 4 ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    if (options->input_components == 4) {
        /* Sets write_Adobe_marker, with transform 0 (CMYK) or 2 (YCCK); the samples are stored as given. */
        jpeg_set_colorspace(&cinfo, options->store_as_ycck ? JCS_YCCK : JCS_CMYK);
        cinfo.write_Adobe_marker = options->adobe_marker ? TRUE : FALSE;
    }
    jpeg_set_quality(&cinfo, options->quality, TRUE);
    if (options->scans != NULL && !twindup_jpeg_set_scans(&cinfo, options->scans, options->scan_count)) {
        return twindup_jpeg_encode_failed(&cinfo, &guard, error, "a scan names a component the image lacks");
    }
    jpeg_start_compress(&cinfo, TRUE);
    size_t row_bytes = (size_t)width * options->input_components;
    while (cinfo.next_scanline < cinfo.image_height) {
        /* libjpeg's API takes non-const rows but only reads them. */
        JSAMPROW row = (JSAMPROW)(samples + (size_t)cinfo.next_scanline * row_bytes);
        if (jpeg_write_scanlines(&cinfo, &row, 1) != 1) {
            return twindup_jpeg_encode_failed(&cinfo, &guard, error, "encoder accepted no row");
        }
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *output = guard.encode_buffer;
    *output_size = guard.encode_size;
    return TWINDUP_OK;
}

twindup_status twindup_jpeg_encode(const uint8_t *rgb, uint32_t width, uint32_t height, int quality,
                                   uint8_t **output, size_t *output_size, twindup_error *error) {
    twindup_jpeg_encode_options options;
    memset(&options, 0, sizeof options);
    options.quality = quality;
    options.input_components = 3;
    return twindup_jpeg_encode_samples(rgb, width, height, &options, output, output_size, error);
}
