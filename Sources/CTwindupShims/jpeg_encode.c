#include <stdlib.h>
#include <string.h>

#include "jpeg_guard.h"

twindup_status twindup_jpeg_encode(const uint8_t *rgb, uint32_t width, uint32_t height, int quality,
                                   uint8_t **output, size_t *output_size, twindup_error *error) {
    if (rgb == NULL || output == NULL || output_size == NULL || error == NULL || width == 0 || height == 0 ||
        width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION || quality < 1 || quality > 100) {
        return TWINDUP_INVALID_ARGUMENT;
    }
    *output = NULL;
    *output_size = 0;
    error->message[0] = '\0';
    struct jpeg_compress_struct cinfo;
    twindup_jpeg_guard guard;
    cinfo.err = twindup_jpeg_guard_install(&guard);
    if (setjmp(guard.jump)) {
        snprintf(error->message, sizeof error->message, "%s", guard.message);
        jpeg_destroy_compress(&cinfo);
        free(guard.encode_buffer);
        return TWINDUP_CORRUPT;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &guard.encode_buffer, &guard.encode_size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t row_bytes = (size_t)width * 3;
    while (cinfo.next_scanline < cinfo.image_height) {
        /* libjpeg's API takes non-const rows but only reads them. */
        JSAMPROW row = (JSAMPROW)(rgb + (size_t)cinfo.next_scanline * row_bytes);
        if (jpeg_write_scanlines(&cinfo, &row, 1) != 1) {
            snprintf(error->message, sizeof error->message, "encoder accepted no row");
            jpeg_destroy_compress(&cinfo);
            free(guard.encode_buffer);
            return TWINDUP_CORRUPT;
        }
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *output = guard.encode_buffer;
    *output_size = guard.encode_size;
    return TWINDUP_OK;
}
