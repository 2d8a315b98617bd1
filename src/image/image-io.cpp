// image-io.cpp: the C++ shim over OpenCV's image codecs behind image.h.  No OpenCV type leaves
// this file and no exception crosses its functions: each becomes a GError.

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cctype>
#include <cstring>
#include <string>
#include <exception>
#include <memory>
#include <vector>

extern "C" {
#include "base/fer-error.h"
#include "image/degrade.h"
#include "image/image.h"
#include "io/atomic-file.h"
}

namespace {

// A JPEG whose tail has no end-of-image marker was cut short: libjpeg decodes it anyway, filling
// the missing rows with grey and printing a warning, which would slip a broken image into
// training.  (PIL refuses such files too.)
bool
jpeg_is_truncated (const std::vector<uchar> &bytes)
{
  if (bytes.size () < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8)
    return false;
  const size_t tail = std::min<size_t> (bytes.size (), 4096);
  for (size_t i = bytes.size () - 1; i >= bytes.size () - tail + 1; i--)
    if (bytes[i - 1] == 0xFF && bytes[i] == 0xD9)
      return false;
  return true;
}

unsigned
be16 (const uchar *p)
{
  return (unsigned) p[0] << 8 | p[1];
}

uint32_t
be32 (const uchar *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

uint32_t
le32 (const uchar *p)
{
  return (uint32_t) p[3] << 24 | (uint32_t) p[2] << 16 | (uint32_t) p[1] << 8 | p[0];
}

unsigned
le16 (const uchar *p)
{
  return (unsigned) p[1] << 8 | p[0];
}

// The size an image's header declares, read before decoding: a few bytes can declare a picture
// of a gigapixel, which the decoders allocate (gigabytes) and fill for seconds even when the data
// behind it is missing.  One reader per format OpenCV decodes here; each says whether the file
// is not in its format (the next reader, or in the end the decoder, decides), or is but its size
// cannot be read (refused: what the decoder would make of it cannot be bounded), or the size.
enum HeaderSize { NOT_THIS_FORMAT, SIZE_UNREADABLE, SIZE_FOUND };

HeaderSize
png_size (const std::vector<uchar> &b, uint64_t &width, uint64_t &height)
{
  if (b.size () < 8 || std::memcmp (b.data (), "\x89PNG\r\n\x1a\n", 8) != 0)
    return NOT_THIS_FORMAT;
  if (b.size () < 24 || std::memcmp (b.data () + 12, "IHDR", 4) != 0)
    return SIZE_UNREADABLE;
  width = be32 (&b[16]);
  height = be32 (&b[20]);
  return SIZE_FOUND;
}

HeaderSize
bmp_size (const std::vector<uchar> &b, uint64_t &width, uint64_t &height)
{
  if (b.size () < 2 || b[0] != 'B' || b[1] != 'M')
    return NOT_THIS_FORMAT;
  if (b.size () < 26)
    return SIZE_UNREADABLE;
  width = le32 (&b[18]);
  const int32_t h = (int32_t) le32 (&b[22]);   // negative: rows stored top-down
  height = h < 0 ? -(int64_t) h : h;
  return SIZE_FOUND;
}

// Markers up to the first start-of-frame (SOF0..SOF15 but DHT, JPG and DAC); bytes between
// markers are skipped, as libjpeg skips them.
HeaderSize
jpeg_size (const std::vector<uchar> &b, uint64_t &width, uint64_t &height)
{
  const size_t n = b.size ();
  if (n < 2 || b[0] != 0xFF || b[1] != 0xD8)
    return NOT_THIS_FORMAT;
  size_t at = 2;
  while (at + 4 <= n) {
    const uchar marker = b[at + 1];
    if (b[at] != 0xFF || marker == 0xFF || marker == 0x00) {   // garbage or fill bytes
      at++;
      continue;
    }
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      if (at + 9 > n)
        return SIZE_UNREADABLE;
      height = be16 (&b[at + 5]);
      width = be16 (&b[at + 7]);
      return SIZE_FOUND;
    }
    const unsigned length = be16 (&b[at + 2]);
    if (length < 2)
      return SIZE_UNREADABLE;
    at += 2 + length;
  }
  return SIZE_UNREADABLE;
}

// PBM, PGM, PPM (P1-P6): the magic, then width and height as decimal text, with whitespace and
// # comments between; PAM (P7): WIDTH and HEIGHT lines before ENDHDR.
HeaderSize
pnm_size (const std::vector<uchar> &b, uint64_t &width, uint64_t &height)
{
  const size_t n = std::min<size_t> (b.size (), 4096);
  if (n < 2 || b[0] != 'P' || b[1] < '1' || b[1] > '7')
    return NOT_THIS_FORMAT;
  size_t at = 2;
  auto number = [&] (uint64_t &value, bool skip_comments) {
    // Anything but a digit separates (more leniently than the format, as leniently as
    // OpenCV's reader: what it would take for a size must be checked here).
    while (at < n && !std::isdigit (b[at])) {
      if (b[at] == '#' && skip_comments)   // to the end of the line, as OpenCV reads them
        while (at < n && b[at] != '\n' && b[at] != '\r')
          at++;
      else
        at++;
    }
    if (at >= n || !std::isdigit (b[at]))
      return false;
    value = 0;
    while (at < n && std::isdigit (b[at]) && value < (1ull << 40))
      value = value * 10 + (b[at++] - '0');
    return true;
  };
  if (b[1] != '7')
    return number (width, true) && number (height, true) ? SIZE_FOUND : SIZE_UNREADABLE;
  const std::string header (b.begin (), b.begin () + n);
  const size_t w = header.find ("WIDTH"), h = header.find ("HEIGHT");
  if (w == std::string::npos || h == std::string::npos)
    return SIZE_UNREADABLE;
  at = w + 5;
  const bool found_width = number (width, false);
  at = h + 6;
  return found_width && number (height, false) ? SIZE_FOUND : SIZE_UNREADABLE;
}

// RIFF WebP: lossy (VP8), lossless (VP8L) or extended (VP8X, the canvas size).
HeaderSize
webp_size (const std::vector<uchar> &b, uint64_t &width, uint64_t &height)
{
  if (b.size () < 12 || std::memcmp (b.data (), "RIFF", 4) != 0
      || std::memcmp (b.data () + 8, "WEBP", 4) != 0)
    return NOT_THIS_FORMAT;
  if (b.size () < 30)
    return SIZE_UNREADABLE;
  const uchar *chunk = &b[12];
  if (std::memcmp (chunk, "VP8 ", 4) == 0) {
    width = le16 (&b[26]) & 0x3FFF;
    height = le16 (&b[28]) & 0x3FFF;
  } else if (std::memcmp (chunk, "VP8L", 4) == 0) {
    const uint32_t bits = le32 (&b[21]);
    width = (bits & 0x3FFF) + 1;
    height = ((bits >> 14) & 0x3FFF) + 1;
  } else if (std::memcmp (chunk, "VP8X", 4) == 0) {
    width = (b[24] | b[25] << 8 | b[26] << 16) + 1u;
    height = (b[27] | b[28] << 8 | b[29] << 16) + 1u;
  } else {
    return SIZE_UNREADABLE;
  }
  return SIZE_FOUND;
}

// TIFF: ImageWidth (256) and ImageLength (257) of the first directory (the page OpenCV reads).
HeaderSize
tiff_size (const std::vector<uchar> &b, uint64_t &width, uint64_t &height)
{
  const size_t n = b.size ();
  if (n < 4)
    return NOT_THIS_FORMAT;
  const bool little = b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0;
  const bool big = b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42;
  if (!little && !big)
    return NOT_THIS_FORMAT;
  if (n < 8)
    return SIZE_UNREADABLE;
  auto u16 = [&] (size_t at) { return little ? le16 (&b[at]) : be16 (&b[at]); };
  auto u32 = [&] (size_t at) { return little ? le32 (&b[at]) : be32 (&b[at]); };
  const size_t ifd = u32 (4);
  if (ifd > n - 2)
    return SIZE_UNREADABLE;
  const unsigned entries = u16 (ifd);
  bool found_width = false, found_height = false;
  for (unsigned e = 0; e < entries && ifd + 2 + 12 * (e + 1) <= n; e++) {
    const size_t at = ifd + 2 + 12 * e;
    const unsigned tag = u16 (at), type = u16 (at + 2);
    const uint64_t value = type == 3 ? u16 (at + 8) : u32 (at + 8);   // SHORT or LONG
    if (tag == 256) {
      width = value;
      found_width = true;
    } else if (tag == 257) {
      height = value;
      found_height = true;
    }
  }
  return found_width && found_height ? SIZE_FOUND : SIZE_UNREADABLE;
}

HeaderSize
declared_size (const std::vector<uchar> &b, uint64_t &width, uint64_t &height)
{
  for (auto reader : { png_size, jpeg_size, bmp_size, pnm_size, webp_size, tiff_size }) {
    const HeaderSize found = reader (b, width, height);
    if (found != NOT_THIS_FORMAT)
      return found;
  }
  return NOT_THIS_FORMAT;
}

FerImage *
from_bgr (const cv::Mat &bgr)
{
  FerImage *image = fer_image_new (bgr.cols, bgr.rows);
  if (image == nullptr)
    return nullptr;
  cv::Mat rgb (bgr.rows, bgr.cols, CV_8UC3, image->pixels);
  cv::cvtColor (bgr, rgb, cv::COLOR_BGR2RGB);
  return image;
}

}  // namespace

extern "C" FerImage *
fer_image_load (const char *path, GError **error)
{
  gchar *contents = nullptr;
  gsize length = 0;
  GError *io_error = nullptr;
  if (!g_file_get_contents (path, &contents, &length, &io_error)) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot read '%s': %s", path, io_error->message);
    g_error_free (io_error);
    return nullptr;
  }
  std::unique_ptr<gchar, decltype (&g_free)> owned (contents, g_free);
  try {
    std::vector<uchar> bytes (contents, contents + length);
    owned.reset ();
    if (bytes.empty ()) {
      g_set_error (error, FER_ERROR, FER_ERROR_NOT_IMAGE, "'%s' is empty", path);
      return nullptr;
    }
    uint64_t width = 0, height = 0;
    const HeaderSize header = declared_size (bytes, width, height);
    // Only the formats whose header is read above reach OpenCV: its other decoders (DICOM
    // through GDCM, JPEG 2000, OpenEXR...) are not for photos of faces, and one of them aborts
    // the process on a damaged file (GDCM's assertions, found by fuzzing).  OpenCV picks its
    // decoder by signature, and DICOM's ("DICM" at byte 128) is looked for before PNM's and
    // others': such a file goes to GDCM whatever it starts with, so it is refused first (a
    // photo with those 4 bytes there would be too; never seen).
    if (bytes.size () >= 132 && std::memcmp (bytes.data () + 128, "DICM", 4) == 0) {
      g_set_error (error, FER_ERROR, FER_ERROR_NOT_IMAGE,
          "'%s' looks like a DICOM file (\"DICM\" at byte 128), which is not decoded here", path);
      return nullptr;
    }
    if (header == NOT_THIS_FORMAT) {
      g_set_error (error, FER_ERROR, FER_ERROR_NOT_IMAGE,
          "'%s' is not in an image format that can be decoded (JPEG, PNG, BMP, WebP, TIFF, "
          "PPM/PGM/PBM)", path);
      return nullptr;
    }
    if (header == SIZE_UNREADABLE) {
      g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
          "'%s' is corrupt: its header does not say its size", path);
      return nullptr;
    }
    if (header == SIZE_FOUND && width * height > FER_IMAGE_MAX_PIXELS) {
      g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
          "'%s' declares %" G_GUINT64_FORMAT " x %" G_GUINT64_FORMAT " pixels, more than the "
          "%d megapixels images may have here: shrink it first", path, width, height,
          FER_IMAGE_MAX_PIXELS / 1000000);
      return nullptr;
    }
    // Checked before decoding, which would take as long as for a whole image.
    if (jpeg_is_truncated (bytes)) {
      g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
          "'%s' is truncated: the JPEG data ends before its end-of-image marker", path);
      return nullptr;
    }
    // EXIF orientation is ignored, as PIL's Image.open ignores it: the tutorial's data and any
    // PyTorch model trained on it saw the pixels as stored.
    cv::Mat bgr = cv::imdecode (bytes, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    if (bgr.empty ()) {
      g_set_error (error, FER_ERROR, FER_ERROR_FORMAT, "'%s' is corrupt: it cannot be decoded",
          path);
      return nullptr;
    }
    if ((uint64_t) bgr.cols * bgr.rows > FER_IMAGE_MAX_PIXELS) {
      g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
          "'%s' has %d x %d pixels, more than the %d megapixels images may have here: shrink it "
          "first", path, bgr.cols, bgr.rows, FER_IMAGE_MAX_PIXELS / 1000000);
      return nullptr;
    }
    FerImage *image = from_bgr (bgr);
    if (image == nullptr)
      g_set_error (error, FER_ERROR, FER_ERROR_IO, "out of memory decoding '%s' (%d x %d)", path,
          bgr.cols, bgr.rows);
    return image;
  } catch (const std::exception &e) {
    g_set_error (error, FER_ERROR, FER_ERROR_FORMAT, "cannot decode '%s': %s", path, e.what ());
    return nullptr;
  } catch (...) {
    g_set_error (error, FER_ERROR, FER_ERROR_FORMAT, "cannot decode '%s'", path);
    return nullptr;
  }
}

extern "C" gboolean
fer_image_save_png (const FerImage *image, const char *path, GError **error)
{
  try {
    cv::Mat rgb (image->height, image->width, CV_8UC3, image->pixels);
    cv::Mat bgr;
    cv::cvtColor (rgb, bgr, cv::COLOR_RGB2BGR);
    std::vector<uchar> png;
    if (cv::imencode (".png", bgr, png))
      return fer_atomic_write_file (path, png.data (), png.size (), error);
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot encode '%s' as PNG", path);
  } catch (const std::exception &e) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot write '%s': %s", path, e.what ());
  }
  return FALSE;
}

extern "C" gboolean
fer_image_jpeg_roundtrip (FerImage *image, int quality)
{
  try {
    cv::Mat rgb (image->height, image->width, CV_8UC3, image->pixels);
    std::vector<uchar> jpeg;
    /* Channel order does not matter to the codec's loss as long as it goes back the same way;
     * but its chroma subsampling works on YCbCr made from BGR, so give it BGR. */
    cv::Mat bgr;
    cv::cvtColor (rgb, bgr, cv::COLOR_RGB2BGR);
    if (!cv::imencode (".jpg", bgr, jpeg, { cv::IMWRITE_JPEG_QUALITY, quality }))
      return FALSE;
    cv::Mat back = cv::imdecode (jpeg, cv::IMREAD_COLOR);
    if (back.rows != image->height || back.cols != image->width)
      return FALSE;
    cv::cvtColor (back, rgb, cv::COLOR_BGR2RGB);
    return TRUE;
  } catch (const std::exception &) {
    return FALSE;
  }
}
