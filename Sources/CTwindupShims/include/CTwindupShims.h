#ifndef CTWINDUP_SHIMS_H
#define CTWINDUP_SHIMS_H

/* setjmp-guarded entry points into libjpeg and libpng. Both libraries report fatal errors by calling a
 * handler that must not return; these wrappers turn that into a status code and a message, so that no
 * input can abort or exit the process. Pixels come back as 8-bit RGB, interleaved, row-major. */

#include <stddef.h>
#include <stdint.h>

typedef enum twindup_status {
    TWINDUP_OK = 0,
    TWINDUP_CORRUPT = 1,      /* the codec rejected the data */
    TWINDUP_TRUNCATED = 2,    /* the data ended before the image did */
    TWINDUP_TOO_LARGE = 3,    /* over a limit; refused before the pixel buffer was allocated */
    TWINDUP_OUT_OF_MEMORY = 4, /* malloc failed */
    TWINDUP_INVALID_ARGUMENT = 5,
    TWINDUP_UNSUPPORTED = 6   /* a valid file of a kind the codec cannot decode (12-bit or lossless JPEG) */
} twindup_status;

typedef struct twindup_limits {
    uint64_t max_pixels;            /* width * height of the stored image */
    uint64_t max_decoder_bytes;     /* working memory libjpeg may use (progressive coefficient buffers) */
    uint32_t max_progressive_scans; /* more scans than this is a scan bomb */
    uint32_t max_chunk_bytes;       /* PNG ancillary chunk, stored or decompressed; larger ones are skipped */
} twindup_limits;

typedef struct twindup_error {
    char message[240];
} twindup_error;

typedef struct twindup_decoded {
    uint8_t *pixels; /* width * height * 3 bytes; release with twindup_decoded_free */
    uint32_t width;
    uint32_t height;
    uint32_t stored_width; /* the image's own size, before any DCT scaling */
    uint32_t stored_height;
    uint8_t *exif; /* TIFF-structured EXIF payload (no "Exif\0\0" prefix), or NULL */
    size_t exif_length;
    uint32_t warning_count;
    char first_warning[160];
    /* Work done, for callers that want to count rather than time: bytes of pixel buffer allocated
     * (set even when decoding fails later) and pixels the codec produced. */
    uint64_t pixel_buffer_bytes;
    uint64_t decoded_pixels;
    uint32_t scans_read;               /* JPEG SOS markers read (1 for baseline) */
    uint64_t largest_codec_allocation; /* the largest single block libpng asked for (PNG only) */
} twindup_decoded;

/* Decodes a JPEG held in memory. `min_short_side` > 0 picks the smallest DCT scale M/8 whose short
 * output side is still >= min_short_side (full size when none is smaller). */
twindup_status twindup_jpeg_decode(const uint8_t *data, size_t size, uint32_t min_short_side,
                                   const twindup_limits *limits, twindup_decoded *out, twindup_error *error);

/* Decodes a PNG held in memory: every colour type and depth to 8-bit RGB, alpha composited over
 * white, 16-bit samples scaled (not truncated), a gAMA other than sRGB's corrected to sRGB. */
twindup_status twindup_png_decode(const uint8_t *data, size_t size, const twindup_limits *limits,
                                  twindup_decoded *out, twindup_error *error);

void twindup_decoded_free(twindup_decoded *decoded);

/* Encodes 8-bit interleaved RGB as a baseline JPEG with the given quality (1...100). On success *output
 * holds *output_size bytes; release with twindup_buffer_free. */
twindup_status twindup_jpeg_encode(const uint8_t *rgb, uint32_t width, uint32_t height, int quality,
                                   uint8_t **output, size_t *output_size, twindup_error *error);

/* One scan of a progressive JPEG, as libjpeg's jpeg_scan_info: the components it carries, its coefficients
 * (spectral selection, 0...63) and its bits (successive approximation; high_bit 0 for a first pass). */
typedef struct twindup_jpeg_scan {
    uint8_t component_count; /* 1...4 */
    uint8_t components[4];
    uint8_t spectral_start;
    uint8_t spectral_end;
    uint8_t high_bit;
    uint8_t low_bit;
} twindup_jpeg_scan;

typedef struct twindup_jpeg_encode_options {
    int quality;               /* 1...100 */
    uint32_t input_components; /* 3: RGB samples; 4: CMYK samples, written to the file as given */
    int store_as_ycck;         /* CMYK input: store as YCCK (needs adobe_marker, which alone records it) */
    int adobe_marker;          /* CMYK input: write Adobe's APP14 marker, as libjpeg does by default */
    const twindup_jpeg_scan *scans; /* a progressive scan script, or NULL for a baseline JPEG */
    uint32_t scan_count;
} twindup_jpeg_encode_options;

/* Encodes interleaved 8-bit samples (RGB or CMYK) as the options say. Readers take CMYK samples in a file with
 * an Adobe marker as inverted (255 = no ink), as Photoshop writes them; libjpeg itself never inverts. */
twindup_status twindup_jpeg_encode_samples(const uint8_t *samples, uint32_t width, uint32_t height,
                                           const twindup_jpeg_encode_options *options, uint8_t **output,
                                           size_t *output_size, twindup_error *error);

void twindup_buffer_free(uint8_t *buffer);

#endif
