#include "detector-samples.h"

#include <math.h>
#include <string.h>
#include "detect/face-detector.h"
#include "image/image.h"

/* Each photo is kept with its half-size pyramid so that a patch that shrinks a photo samples
 * the level nearest its scale instead of aliasing. */
#define MAX_LEVELS 6

typedef struct {
  FerLumaPhoto base;           /* level 0 */
  int levels;
  int width[MAX_LEVELS], height[MAX_LEVELS];
  uint8_t *luma[MAX_LEVELS];
} Photo;

static void
photo_free (gpointer p)
{
  Photo *photo = p;
  for (int l = 0; l < photo->levels; l++)
    g_free (photo->luma[l]);
  g_free (photo->base.faces);
  g_free (photo);
}

void
fer_detector_photos_free (FerDetectorPhotos *photos)
{
  if (photos == NULL)
    return;
  g_ptr_array_unref (photos->photos);
  g_free (photos);
}

static void
build_pyramid (Photo *p)
{
  while (p->levels < MAX_LEVELS) {
    const int l = p->levels - 1;
    const int w = p->width[l] / 2, h = p->height[l] / 2;
    if (w < 16 || h < 16)
      break;
    uint8_t *half = g_malloc ((size_t) w * h);
    const uint8_t *src = p->luma[l];
    const int sw = p->width[l];
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        const uint8_t *a = src + (size_t) (2 * y) * sw + 2 * x, *b = a + sw;
        half[(size_t) y * w + x] = (a[0] + a[1] + b[0] + b[1] + 2) / 4;
      }
    p->width[p->levels] = w;
    p->height[p->levels] = h;
    p->luma[p->levels++] = half;
  }
}

FerDetectorPhotos *
fer_detector_photos_load (const FerFaceAnnotations *annotations,
    void (*warn) (const char *message, gpointer user_data),
    void (*progress) (int done, int total, gpointer user_data), gpointer user_data)
{
  FerDetectorPhotos *photos = g_new0 (FerDetectorPhotos, 1);
  photos->photos = g_ptr_array_new_with_free_func (photo_free);
  const int total = annotations->photos->len;
  for (int i = 0; i < total; i++) {
    const FerAnnotatedPhoto *a = annotations->photos->pdata[i];
    GError *error = NULL;
    FerImage *image = fer_image_load (a->path, &error);
    if (image == NULL) {
      warn (error->message, user_data);
      g_error_free (error);
    } else if (image->width != a->width || image->height != a->height) {
      char *message = g_strdup_printf ("%s: the photo is %dx%d but its rows say %dx%d; left out "
          "(boxes drawn on another size would be wrong)", a->path, image->width, image->height,
          a->width, a->height);
      warn (message, user_data);
      g_free (message);
    } else {
      Photo *p = g_new0 (Photo, 1);
      p->levels = 1;
      p->width[0] = image->width;
      p->height[0] = image->height;
      p->luma[0] = g_malloc ((size_t) image->width * image->height);
      fer_image_luma (image, p->luma[0]);
      build_pyramid (p);
      p->base.width = image->width;
      p->base.height = image->height;
      p->base.luma = p->luma[0];
      p->base.n_faces = a->faces->len;
      p->base.faces = g_memdup2 (a->faces->data, a->faces->len * sizeof (FerBoxF));
      photos->faces += a->faces->len;
      for (int l = 0; l < p->levels; l++)
        photos->bytes += (gint64) p->width[l] * p->height[l];
      g_ptr_array_add (photos->photos, p);
    }
    fer_image_free (image);
    if (progress)
      progress (i + 1, total, user_data);
  }
  return photos;
}

/* ---- one patch ---- */

typedef struct {
  double cx, cy;         /* the photo point at the patch point (px, py) */
  double px, py;
  double scale;          /* patch pixels per photo pixel */
  double cos_t, sin_t;   /* tilt */
  gboolean flip;
  int size;
} Geometry;

static void
photo_to_patch (const Geometry *g, double x, double y, double *u, double *v)
{
  const double dx = (x - g->cx) * g->scale, dy = (y - g->cy) * g->scale;
  *u = g->px + g->cos_t * dx - g->sin_t * dy;
  *v = g->py + g->sin_t * dx + g->cos_t * dy;
  if (g->flip)
    *u = g->size - *u;
}

static double
visible_share (FerBoxF b, int size)
{
  const double x1 = MAX (b.x, 0), y1 = MAX (b.y, 0);
  const double x2 = MIN (b.x + b.width, size), y2 = MIN (b.y + b.height, size);
  if (x2 <= x1 || y2 <= y1)
    return 0;
  return (x2 - x1) * (y2 - y1) / (b.width * b.height);
}

static void
sample_pixels (const Photo *p, const Geometry *g, double fill, float *out)
{
  /* The level whose pixels are at least half a patch pixel. */
  int level = 0;
  double s = g->scale;
  while (level + 1 < p->levels && s < 0.5) {
    level++;
    s *= 2;
  }
  const double to_level = (double) p->width[level] / p->width[0];
  const int w = p->width[level], h = p->height[level];
  const uint8_t *luma = p->luma[level];
  for (int v = 0; v < g->size; v++)
    for (int u = 0; u < g->size; u++) {
      double du = (g->flip ? g->size - (u + 0.5) : u + 0.5) - g->px, dv = v + 0.5 - g->py;
      /* Inverse rotation, then back to photo pixels. */
      const double x = g->cx + (g->cos_t * du + g->sin_t * dv) / g->scale;
      const double y = g->cy + (-g->sin_t * du + g->cos_t * dv) / g->scale;
      const double lx = x * to_level - 0.5, ly = y * to_level - 0.5;
      float value = fill;
      if (lx > -1 && ly > -1 && lx < w && ly < h) {
        const int x0 = (int) floor (lx), y0 = (int) floor (ly);
        const float fx = lx - x0, fy = ly - y0;
        const int xa = CLAMP (x0, 0, w - 1), xb = CLAMP (x0 + 1, 0, w - 1);
        const int ya = CLAMP (y0, 0, h - 1), yb = CLAMP (y0 + 1, 0, h - 1);
        const uint8_t *ra = luma + (size_t) ya * w, *rb = luma + (size_t) yb * w;
        const float top = ra[xa] + fx * (ra[xb] - ra[xa]);
        const float bottom = rb[xa] + fx * (rb[xb] - rb[xa]);
        value = top + fy * (bottom - top);
      }
      out[(size_t) v * g->size + u] = value;
    }
}

/* [1 2 1] / 4 across then down, in place. */
static void
blur (float *img, int size, float *row)
{
  for (int y = 0; y < size; y++) {
    float *r = img + (size_t) y * size;
    memcpy (row, r, size * sizeof *row);
    for (int x = 0; x < size; x++)
      r[x] = 0.25f * row[MAX (x - 1, 0)] + 0.5f * row[x] + 0.25f * row[MIN (x + 1, size - 1)];
  }
  for (int x = 0; x < size; x++) {
    for (int y = 0; y < size; y++)
      row[y] = img[(size_t) y * size + x];
    for (int y = 0; y < size; y++)
      img[(size_t) y * size + x] = 0.25f * row[MAX (y - 1, 0)] + 0.5f * row[y]
          + 0.25f * row[MIN (y + 1, size - 1)];
  }
}

static void
photometric (float *img, int size, FerRng *rng)
{
  const double gamma = exp (fer_rng_uniform_range (rng, log (0.6), log (1.6)));
  const double contrast = fer_rng_uniform_range (rng, 0.5, 1.4);
  const double brightness = fer_rng_uniform_range (rng, -40, 40);
  const double noise = fer_rng_uniform (rng) < 0.3 ? fer_rng_uniform_range (rng, 2, 12) : 0;
  float lut[256];
  for (int i = 0; i < 256; i++)
    lut[i] = 255.0 * pow (i / 255.0, gamma);
  const int blurs = fer_rng_uniform (rng) < 0.25 ? 1 + fer_rng_below (rng, 2) : 0;
  float *row = g_new (float, size);
  for (int b = 0; b < blurs; b++)
    blur (img, size, row);
  g_free (row);
  for (size_t i = 0; i < (size_t) size * size; i++) {
    double v = lut[(int) CLAMP (img[i] + 0.5f, 0, 255)];
    v = (v - 128) * contrast + 128 + brightness;
    if (noise > 0)
      v += noise * fer_rng_normal (rng);
    img[i] = CLAMP (v, 0, 255);
  }
}

/* Everything of the patch outside [x1, x2) x [y1, y2) becomes level (0-255). */
static void
frame_picture (float *img, int size, double x1, double y1, double x2, double y2, float level)
{
  for (int v = 0; v < size; v++)
    for (int u = 0; u < size; u++)
      if (u + 0.5 < x1 || u + 0.5 >= x2 || v + 0.5 < y1 || v + 0.5 >= y2)
        img[(size_t) v * size + u] = level;
}

/* The share of box b inside [x1, x2) x [y1, y2). */
static double
share_inside (FerBoxF b, double x1, double y1, double x2, double y2)
{
  const double w = MIN (b.x + b.width, x2) - MAX (b.x, x1);
  const double h = MIN (b.y + b.height, y2) - MAX (b.y, y1);
  return w > 0 && h > 0 ? w * h / (b.width * b.height) : 0;
}

/* Where a photo point c lands in a window of `window` photo pixels (its distance from the
 * window's start): between 5% and 95% of the window, the window within [0, extent] when it
 * fits (or covering it when larger), as near to that as c allows. */
static double
place (double c, double extent, double window, FerRng *rng)
{
  double lo = c - 0.95 * window, hi = c - 0.05 * window;    /* the window's start */
  const double fit_lo = MIN (0, extent - window), fit_hi = MAX (0, extent - window);
  if (MAX (lo, fit_lo) <= MIN (hi, fit_hi)) {
    lo = MAX (lo, fit_lo);
    hi = MIN (hi, fit_hi);
  } else if (hi < fit_lo)
    lo = hi;
  else
    hi = lo;
  return c - fer_rng_uniform_range (rng, lo, hi);
}

void
fer_detector_sample (const FerDetectorPhotos *photos, const FerSampleOptions *o, int size,
    FerRng *rng, float *patch, FerSampleTruth *truth)
{
  const Photo *p = photos->photos->pdata[fer_rng_below (rng, photos->photos->len)];
  Geometry g = { .size = size, .cos_t = 1, .sin_t = 0 };
  FerBoxF on = { 0 };   /* the face the patch is placed on, in the photo (none: width 0) */
  if (p->base.n_faces > 0 && fer_rng_uniform (rng) < o->face_share) {
    const FerBoxF f = p->base.faces[fer_rng_below (rng, p->base.n_faces)];
    on = f;
    const double side = exp (fer_rng_uniform_range (rng, log (o->min_face), log (o->max_face)));
    g.scale = side / sqrt (f.width * f.height);
    g.cx = f.x + f.width / 2;
    g.cy = f.y + f.height / 2;
    /* The face anywhere in the patch (near its edges it is cut, as at a webcam's frame edge),
     * the patch inside the photo where the photo allows it: a border the photo does not
     * have would be something to learn that video never shows. */
    g.px = place (f.x + f.width / 2, p->base.width, size / g.scale, rng) * g.scale;
    g.py = place (f.y + f.height / 2, p->base.height, size / g.scale, rng) * g.scale;
  } else {
    const double cover = fer_rng_uniform_range (rng, 0.15, 1.2) * MIN (p->base.width,
        p->base.height);
    g.scale = size / cover;
    g.cx = fer_rng_uniform_range (rng, 0, p->base.width);
    g.cy = fer_rng_uniform_range (rng, 0, p->base.height);
    g.px = g.py = size / 2.0;
  }
  double fill = 128;
  if (o->augment) {
    if (fer_rng_uniform (rng) < 0.6) {
      const double t = fer_rng_uniform_range (rng, -o->max_tilt, o->max_tilt) * G_PI / 180;
      g.cos_t = cos (t);
      g.sin_t = sin (t);
    }
    g.flip = fer_rng_uniform (rng) < 0.5;
    fill = fer_rng_uniform_range (rng, 0, 255);
  }
  sample_pixels (p, &g, fill, patch);
  /* The framed picture's rectangle, around the face the patch is on (an empty one: none). */
  double fx1 = 0, fy1 = 0, fx2 = size, fy2 = size;
  const gboolean framed = o->augment && on.width > 0 && o->framed_share > 0
      && fer_rng_uniform (rng) < o->framed_share;
  if (framed) {
    double u, v;
    photo_to_patch (&g, on.x + on.width / 2, on.y + on.height / 2, &u, &v);
    const double w = on.width * g.scale, h = on.height * g.scale;
    fx1 = u - w * (0.5 + fer_rng_uniform_range (rng, 0, 0.5));
    fx2 = u + w * (0.5 + fer_rng_uniform_range (rng, 0, 0.5));
    fy1 = v - h * (0.5 + fer_rng_uniform_range (rng, 0, 0.5));
    fy2 = v + h * (0.5 + fer_rng_uniform_range (rng, 0, 0.5));
    frame_picture (patch, size, fx1, fy1, fx2, fy2, (float) fer_rng_uniform_range (rng, 0, 255));
  }
  if (o->augment)
    photometric (patch, size, rng);
  for (size_t i = 0; i < (size_t) size * size; i++)
    patch[i] = fer_face_detector_normalise (patch[i]);

  truth->n_faces = truth->n_ignored = 0;
  for (int i = 0; i < p->base.n_faces; i++) {
    const FerBoxF f = p->base.faces[i];
    double u, v;
    photo_to_patch (&g, f.x + f.width / 2, f.y + f.height / 2, &u, &v);
    const double w = f.width * g.scale, h = f.height * g.scale;
    const FerBoxF box = { u - w / 2, v - h / 2, w, h };
    /* (Framed: only what is inside the picture is seen.) */
    const double share = framed ? MIN (visible_share (box, size),
        share_inside (box, fx1, fy1, fx2, fy2)) : visible_share (box, size);
    if (share <= 0)
      continue;
    /* Too small for the smallest anchors, or mostly outside: neither face nor background. */
    if (share >= 0.5 && sqrt (w * h) >= 0.75 * o->min_face) {
      if (truth->n_faces < FER_SAMPLE_MAX_FACES)
        truth->faces[truth->n_faces++] = box;
    } else if (truth->n_ignored < FER_SAMPLE_MAX_FACES)
      truth->ignored[truth->n_ignored++] = box;
  }
}
