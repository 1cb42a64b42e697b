#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

#include "CTwindupShims.h"

/* Stops files made of millions of tiny unknown or text chunks. */
#define TWINDUP_PNG_CHUNK_CACHE_MAX 1000u

typedef struct twindup_png_context {
    jmp_buf jump;
    const uint8_t *data;
    size_t size;
    size_t offset;
    int ran_out_of_data;
    int image_complete; /* every row was decoded; later errors only lose trailing chunks */
    png_bytep *rows;
    twindup_decoded *out;
    png_alloc_size_t largest_allocation; /* by libpng and its zlib streams */
    char message[240];
} twindup_png_context;

static void twindup_png_error(png_structp png, png_const_charp message) {
    twindup_png_context *context = png_get_error_ptr(png);
    snprintf(context->message, sizeof context->message, "%s", message);
    longjmp(context->jump, 1);
}

static void twindup_png_note_warning(twindup_decoded *out, const char *message) {
    if (out->warning_count == 0) {
        snprintf(out->first_warning, sizeof out->first_warning, "%s", message);
    }
    if (out->warning_count < UINT32_MAX) {
        out->warning_count++;
    }
}

static void twindup_png_warning(png_structp png, png_const_charp message) {
    twindup_png_context *context = png_get_error_ptr(png);
    twindup_png_note_warning(context->out, message);
}

/* libpng's allocator, counting so that tests can prove no chunk makes libpng allocate past the limits. */
static png_voidp twindup_png_malloc(png_structp png, png_alloc_size_t size) {
    twindup_png_context *context = png_get_mem_ptr(png);
    if (size > context->largest_allocation) {
        context->largest_allocation = size;
    }
    return malloc(size);
}

static void twindup_png_free(png_structp png, png_voidp pointer) {
    (void)png;
    free(pointer);
}

static void twindup_png_read(png_structp png, png_bytep destination, size_t length) {
    twindup_png_context *context = png_get_io_ptr(png);
    if (length > context->size - context->offset) {
        context->ran_out_of_data = 1;
        png_error(png, "the file ends before the image does");
    }
    memcpy(destination, context->data + context->offset, length);
    context->offset += length;
}

/* Alpha is composited over white in the stored (gamma-encoded) values, as image viewers show it. */
static void twindup_composite_rgba_over_white(uint8_t *pixels, uint64_t pixel_count) {
    const uint8_t *source = pixels;
    uint8_t *destination = pixels;
    for (uint64_t i = 0; i < pixel_count; i++, source += 4, destination += 3) {
        unsigned int alpha = source[3];
        unsigned int white = 255u * (255u - alpha);
        destination[0] = (uint8_t)((source[0] * alpha + white + 127u) / 255u);
        destination[1] = (uint8_t)((source[1] * alpha + white + 127u) / 255u);
        destination[2] = (uint8_t)((source[2] * alpha + white + 127u) / 255u);
    }
}

static void twindup_png_copy_exif(png_structp png, png_infop info, twindup_decoded *out) {
    png_uint_32 length = 0;
    png_bytep exif = NULL;
    if (png_get_eXIf_1(png, info, &length, &exif) == 0 || exif == NULL || length == 0) {
        return;
    }
    out->exif = malloc(length);
    if (out->exif != NULL) {
        memcpy(out->exif, exif, length);
        out->exif_length = length;
    }
}

/* Output is sRGB-encoded. Files that say they are sRGB, or say nothing, keep their stored values; a gAMA chunk
 * naming another encoding gamma is corrected to the sRGB display gamma (2.2), so that one picture saved with
 * different gammas decodes to the same pixels. */
static void twindup_png_correct_gamma(png_structp png, png_infop info) {
    int intent = 0;
    png_fixed_point file_gamma = 0;
    if (png_get_sRGB(png, info, &intent) != 0 || png_get_gAMA_fixed(png, info, &file_gamma) == 0) {
        return;
    }
    if (file_gamma <= 0 || (file_gamma > 44955 && file_gamma < 45955)) {
        return; /* missing, invalid, or already 1/2.2 (45455) */
    }
    png_set_gamma_fixed(png, PNG_DEFAULT_sRGB, file_gamma);
}

/* Ancillary chunk types stored larger than the chunk limit, which libpng is told to skip: it reads every
 * ancillary chunk it knows into a buffer of the stored size, whatever the limit. */
enum { TWINDUP_PNG_MAX_SKIPPED_TYPES = 16 };
typedef struct twindup_png_skipped_types {
    png_byte names[TWINDUP_PNG_MAX_SKIPPED_TYPES * 5]; /* 4 letters and a NUL each, as libpng takes them */
    int count;
} twindup_png_skipped_types;

static int twindup_png_skip_type(twindup_png_skipped_types *skipped, const uint8_t *type) {
    for (int i = 0; i < skipped->count; i++) {
        if (memcmp(skipped->names + 5 * i, type, 4) == 0) {
            return 1;
        }
    }
    if (skipped->count == TWINDUP_PNG_MAX_SKIPPED_TYPES) {
        return 0;
    }
    memcpy(skipped->names + 5 * skipped->count, type, 4);
    skipped->names[5 * skipped->count + 4] = 0;
    skipped->count++;
    return 1;
}

/* The whole file is in memory, so a chunk claiming more bytes than remain is refused here: libpng would
 * otherwise allocate and zero a buffer of the claimed size (up to 2 GiB) before finding the data missing.
 * Ancillary chunks over the chunk limit are noted in `skipped` with a warning. */
static twindup_status twindup_png_check_chunk_lengths(const uint8_t *data, size_t size, uint32_t max_chunk_bytes,
                                                      twindup_png_skipped_types *skipped, twindup_decoded *out,
                                                      char *message, size_t capacity) {
    size_t offset = 8; /* after the signature */
    while (size - offset >= 8) {
        const uint8_t *chunk = data + offset;
        uint32_t length = (uint32_t)chunk[0] << 24 | (uint32_t)chunk[1] << 16 | (uint32_t)chunk[2] << 8 | chunk[3];
        char type[5] = {0};
        for (int i = 0; i < 4; i++) {
            type[i] = (chunk[4 + i] >= 0x20 && chunk[4 + i] < 0x7F) ? (char)chunk[4 + i] : '?';
        }
        if (length > PNG_UINT_31_MAX) {
            snprintf(message, capacity, "%s chunk length %u is over the PNG maximum", type, length);
            return TWINDUP_CORRUPT;
        }
        if ((uint64_t)length + 12 > size - offset) {
            snprintf(message, capacity, "%s chunk claims %u bytes but the file ends %zu bytes later", type, length,
                     size - offset - 8);
            return TWINDUP_TRUNCATED;
        }
        if (memcmp(chunk + 4, "IEND", 4) == 0) {
            break;
        }
        int ancillary = (chunk[4] & 0x20) != 0; /* lower-case first letter */
        if (ancillary && length > max_chunk_bytes) {
            if (!twindup_png_skip_type(skipped, chunk + 4)) {
                snprintf(message, capacity, "more than %d kinds of ancillary chunk over the limit of %u bytes",
                         TWINDUP_PNG_MAX_SKIPPED_TYPES, max_chunk_bytes);
                return TWINDUP_TOO_LARGE;
            }
            char warning[120];
            snprintf(warning, sizeof warning, "%s: %u bytes is over the chunk limit of %u bytes; skipped", type,
                     length, max_chunk_bytes);
            twindup_png_note_warning(out, warning);
        }
        offset += (size_t)length + 12;
    }
    return TWINDUP_OK;
}

twindup_status twindup_png_decode(const uint8_t *data, size_t size, const twindup_limits *limits,
                                  twindup_decoded *out, twindup_error *error) {
    if (data == NULL || out == NULL || error == NULL || limits == NULL || size == 0) {
        return TWINDUP_INVALID_ARGUMENT;
    }
    memset(out, 0, sizeof *out);
    error->message[0] = '\0';
    if (size < 8) {
        snprintf(error->message, sizeof error->message, "the file ends inside the PNG signature");
        return TWINDUP_TRUNCATED;
    }
    twindup_png_skipped_types skipped;
    memset(&skipped, 0, sizeof skipped);
    twindup_status chunk_status = twindup_png_check_chunk_lengths(data, size, limits->max_chunk_bytes, &skipped, out,
                                                                  error->message, sizeof error->message);
    if (chunk_status != TWINDUP_OK) {
        memset(out, 0, sizeof *out);
        return chunk_status;
    }
    twindup_png_context context;
    memset(&context, 0, sizeof context);
    context.data = data;
    context.size = size;
    context.out = out;

    png_structp png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, &context, twindup_png_error,
                                               twindup_png_warning, &context, twindup_png_malloc, twindup_png_free);
    if (png == NULL) {
        snprintf(error->message, sizeof error->message, "out of memory for the PNG reader");
        return TWINDUP_OUT_OF_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        snprintf(error->message, sizeof error->message, "out of memory for the PNG reader");
        return TWINDUP_OUT_OF_MEMORY;
    }
    twindup_status status = TWINDUP_OK;
    if (setjmp(context.jump)) {
        if (context.image_complete) {
            twindup_png_warning(png, context.message);
            goto finish;
        }
        status = context.ran_out_of_data ? TWINDUP_TRUNCATED : TWINDUP_CORRUPT;
        if (strstr(context.message, "exceeds user limit") != NULL ||
            strstr(context.message, "chunk data is too large") != NULL) {
            status = TWINDUP_TOO_LARGE;
        }
        goto cleanup;
    }
    /* Any side longer than the pixel limit cannot fit in it; libpng refuses such an IHDR itself. */
    png_uint_32 max_side = limits->max_pixels > PNG_UINT_31_MAX ? PNG_UINT_31_MAX : (png_uint_32)limits->max_pixels;
    png_set_user_limits(png, max_side, max_side);
    /* Caps what compressed ancillary chunks (zTXt, iTXt, iCCP) inflate to: libpng skips a larger one with a
     * warning. Those stored larger than the cap were listed above and are skipped unread. */
    png_set_chunk_malloc_max(png, limits->max_chunk_bytes);
    if (skipped.count > 0) {
        png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, skipped.names, skipped.count);
    }
    png_set_chunk_cache_max(png, TWINDUP_PNG_CHUNK_CACHE_MAX);
    png_set_read_fn(png, &context, twindup_png_read);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    if (png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL) == 0) {
        snprintf(context.message, sizeof context.message, "missing IHDR");
        status = TWINDUP_CORRUPT;
        goto cleanup;
    }
    out->stored_width = width;
    out->stored_height = height;
    uint64_t pixel_count = (uint64_t)width * height;
    /* Checked from IHDR alone, before libpng allocates row buffers and before our pixel buffer. */
    if (pixel_count > limits->max_pixels) {
        snprintf(context.message, sizeof context.message, "%ux%u pixels is over the limit of %llu pixels",
                 width, height, (unsigned long long)limits->max_pixels);
        status = TWINDUP_TOO_LARGE;
        goto cleanup;
    }
    twindup_png_correct_gamma(png, info);
    png_set_expand(png);   /* palette to RGB, gray below 8 bits to 8 bits, tRNS to an alpha channel */
    png_set_scale_16(png); /* 16-bit samples rounded to 8 bits, not truncated */
    png_set_gray_to_rgb(png);
    if ((color_type & PNG_COLOR_MASK_ALPHA) == 0 && png_get_valid(png, info, PNG_INFO_tRNS) == 0) {
        png_set_filler(png, 0xFF, PNG_FILLER_AFTER);
    }
    (void)png_set_interlace_handling(png); /* the pass count; png_read_image runs every pass itself */
    png_read_update_info(png, info);
    if (png_get_channels(png, info) != 4 || png_get_bit_depth(png, info) != 8 ||
        png_get_rowbytes(png, info) != (size_t)width * 4) {
        snprintf(context.message, sizeof context.message, "unexpected PNG layout after transformation");
        status = TWINDUP_CORRUPT;
        goto cleanup;
    }
    uint64_t bytes = pixel_count * 4;
    out->pixels = malloc((size_t)bytes);
    context.rows = malloc(sizeof(png_bytep) * height);
    if (out->pixels == NULL || context.rows == NULL) {
        snprintf(context.message, sizeof context.message, "out of memory for the pixel buffer");
        status = TWINDUP_OUT_OF_MEMORY;
        goto cleanup;
    }
    out->pixel_buffer_bytes = bytes;
    for (png_uint_32 y = 0; y < height; y++) {
        context.rows[y] = out->pixels + (size_t)y * width * 4;
    }
    png_read_image(png, context.rows);
    context.image_complete = 1;
    png_read_end(png, info); /* eXIf may follow the image data */

finish:
    out->width = out->stored_width;
    out->height = out->stored_height;
    out->decoded_pixels = (uint64_t)out->width * out->height;
    twindup_composite_rgba_over_white(out->pixels, out->decoded_pixels);
    twindup_png_copy_exif(png, info, out);

cleanup:
    free(context.rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->largest_codec_allocation = context.largest_allocation;
    if (status != TWINDUP_OK) {
        snprintf(error->message, sizeof error->message, "%s", context.message);
        uint64_t allocated = out->pixel_buffer_bytes;
        uint32_t stored_width = out->stored_width, stored_height = out->stored_height;
        twindup_decoded_free(out);
        out->largest_codec_allocation = context.largest_allocation;
        out->pixel_buffer_bytes = allocated;
        out->stored_width = stored_width;
        out->stored_height = stored_height;
    }
    return status;
}
