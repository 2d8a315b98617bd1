#include "contact-sheet.h"

#include <cairo.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "base/fer-error.h"
#include "image/image.h"
#include "image/transforms.h"
#include "io/atomic-file.h"

#define TILE 96            /* image side in a tile */
#define CAPTION 30         /* two lines of text under it */
#define GAP 8
#define COLUMNS 12
#define HEADING 26
#define FONT "Sans"

typedef struct {
  char *path;
  FerBox region;
  int truth, predicted;    /* predicted -1: no face found */
  double confidence;
} Tile;

typedef struct {
  int truth, predicted;
  GArray *tiles;           /* Tile */
} Group;

struct FerContactSheet {
  char **labels;
  int max_per_group;
  GArray *tiles;           /* Tile, in the order added */
};

FerContactSheet *
fer_contact_sheet_new (char **labels, int max_per_group)
{
  FerContactSheet *sheet = g_new0 (FerContactSheet, 1);
  sheet->labels = g_strdupv (labels);
  sheet->max_per_group = max_per_group;
  sheet->tiles = g_array_new (FALSE, FALSE, sizeof (Tile));
  return sheet;
}

void
fer_contact_sheet_free (FerContactSheet *sheet)
{
  if (sheet == NULL)
    return;
  for (guint i = 0; i < sheet->tiles->len; i++)
    g_free (g_array_index (sheet->tiles, Tile, i).path);
  g_array_unref (sheet->tiles);
  g_strfreev (sheet->labels);
  g_free (sheet);
}

void
fer_contact_sheet_add_mistake (FerContactSheet *sheet, const char *path, FerBox region,
    int truth, int predicted, double confidence)
{
  const Tile t = { g_strdup (path), region, truth, predicted, confidence };
  g_array_append_val (sheet->tiles, t);
}

void
fer_contact_sheet_add_no_face (FerContactSheet *sheet, const char *path, int truth)
{
  const Tile t = { g_strdup (path), { 0 }, truth, -1, 0 };
  g_array_append_val (sheet->tiles, t);
}

static int
by_confidence (gconstpointer a, gconstpointer b)
{
  const Tile *x = a, *y = b;
  if (x->confidence != y->confidence)
    return x->confidence < y->confidence ? 1 : -1;
  return strcmp (x->path, y->path);
}

static int
by_size (gconstpointer a, gconstpointer b)
{
  const Group *x = a, *y = b;
  if (x->tiles->len != y->tiles->len)
    return x->tiles->len < y->tiles->len ? 1 : -1;
  return x->truth != y->truth ? x->truth - y->truth : x->predicted - y->predicted;
}

/* The tiles by (truth, prediction), biggest group first; photos without a face last. */
static GArray *
group_tiles (const FerContactSheet *sheet)
{
  GArray *groups = g_array_new (FALSE, FALSE, sizeof (Group));
  Group no_face = { -1, -1, g_array_new (FALSE, FALSE, sizeof (Tile)) };
  for (guint i = 0; i < sheet->tiles->len; i++) {
    const Tile *t = &g_array_index (sheet->tiles, Tile, i);
    Group *g = t->predicted < 0 ? &no_face : NULL;
    for (guint k = 0; g == NULL && k < groups->len; k++) {
      Group *c = &g_array_index (groups, Group, k);
      if (c->truth == t->truth && c->predicted == t->predicted)
        g = c;
    }
    if (g == NULL) {
      const Group fresh = { t->truth, t->predicted, g_array_new (FALSE, FALSE, sizeof (Tile)) };
      g_array_append_val (groups, fresh);
      g = &g_array_index (groups, Group, groups->len - 1);
    }
    g_array_append_val (g->tiles, *t);
  }
  g_array_sort (groups, by_size);
  for (guint k = 0; k < groups->len; k++)
    g_array_sort (g_array_index (groups, Group, k).tiles, by_confidence);
  if (no_face.tiles->len)
    g_array_append_val (groups, no_face);
  else
    g_array_unref (no_face.tiles);
  return groups;
}

static void
show_text (cairo_t *cr, double x, double y, double size, gboolean bold, const char *text)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string (FONT);
  pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
  if (bold)
    pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  pango_layout_set_text (layout, text, -1);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

/* The tile's picture, fitted into TILE x TILE: its region (clamped to the image) or all of it. */
static FerImage *
thumbnail (const Tile *t)
{
  FerImage *image = fer_image_load (t->path, NULL);
  if (image == NULL)
    return NULL;
  FerBox r = t->region.width > 0 ? t->region : (FerBox) { 0, 0, image->width, image->height };
  const int x0 = CLAMP (r.x, 0, image->width - 1), y0 = CLAMP (r.y, 0, image->height - 1);
  const int x1 = CLAMP (r.x + r.width, x0 + 1, image->width);
  const int y1 = CLAMP (r.y + r.height, y0 + 1, image->height);
  r = (FerBox) { x0, y0, x1 - x0, y1 - y0 };
  const double scale = (double) TILE / MAX (r.width, r.height);
  FerImage *out = fer_image_new (MAX (1, (int) (r.width * scale)), MAX (1, (int) (r.height * scale)));
  if (out)
    fer_resize_bilinear (out, image, r);
  fer_image_free (image);
  return out;
}

static void
draw_image (cairo_t *cr, const FerImage *image, double x, double y)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, image->width,
      image->height);
  unsigned char *data = cairo_image_surface_get_data (surface);
  const int stride = cairo_image_surface_get_stride (surface);
  cairo_surface_flush (surface);
  for (int row = 0; row < image->height; row++)
    for (int col = 0; col < image->width; col++) {
      const uint8_t *p = image->pixels + ((size_t) row * image->width + col) * 3;
      ((uint32_t *) (data + (size_t) row * stride))[col] = (uint32_t) p[0] << 16
          | (uint32_t) p[1] << 8 | p[2];
    }
  cairo_surface_mark_dirty (surface);
  cairo_set_source_surface (cr, surface, x + (TILE - image->width) / 2.0,
      y + (TILE - image->height) / 2.0);
  cairo_paint (cr);
  cairo_surface_destroy (surface);
}

static void
draw_tile (cairo_t *cr, const FerContactSheet *sheet, const Tile *t, double x, double y)
{
  cairo_set_source_rgb (cr, 0.85, 0.85, 0.85);
  cairo_rectangle (cr, x, y, TILE, TILE);
  cairo_fill (cr);
  FerImage *image = thumbnail (t);
  if (image) {
    draw_image (cr, image, x, y);
    fer_image_free (image);
  } else {
    cairo_set_source_rgb (cr, 0.6, 0, 0);
    show_text (cr, x + 4, y + TILE / 2.0 - 6, 10, FALSE, "unreadable");
  }
  char *line1 = g_strdup_printf ("true %s", sheet->labels[t->truth]);
  char *line2 = t->predicted < 0 ? g_strdup ("no face found")
      : g_strdup_printf ("%s %.0f%%", sheet->labels[t->predicted], 100 * t->confidence);
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  show_text (cr, x, y + TILE + 1, 11, FALSE, line1);
  cairo_set_source_rgb (cr, 0.7, 0.05, 0.05);
  show_text (cr, x, y + TILE + 15, 11, TRUE, line2);
  g_free (line1);
  g_free (line2);
}

static cairo_status_t
append_bytes (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static int
rows_of (int tiles)
{
  return (tiles + COLUMNS - 1) / COLUMNS;
}

gboolean
fer_contact_sheet_write (FerContactSheet *sheet, const char *path, const char *title,
    GError **error)
{
  GArray *groups = group_tiles (sheet);
  const int width = GAP + COLUMNS * (TILE + GAP);
  int height = GAP + HEADING;
  for (guint k = 0; k < groups->len; k++) {
    const Group *g = &g_array_index (groups, Group, k);
    height += HEADING + rows_of (MIN ((int) g->tiles->len, sheet->max_per_group))
        * (TILE + CAPTION + GAP);
  }
  if (groups->len == 0)
    height += HEADING;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cairo_t *cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_set_source_rgb (cr, 0, 0, 0);
  show_text (cr, GAP, GAP, 15, TRUE, title);
  double y = GAP + HEADING;
  if (groups->len == 0)
    show_text (cr, GAP, y, 13, FALSE, "no mistakes");
  for (guint k = 0; k < groups->len; k++) {
    const Group *g = &g_array_index (groups, Group, k);
    const int shown = MIN ((int) g->tiles->len, sheet->max_per_group);
    char *heading = g->predicted < 0
        ? g_strdup_printf ("no face found: %u photos", g->tiles->len)
        : g_strdup_printf ("true %s, predicted %s: %u", sheet->labels[g->truth],
            sheet->labels[g->predicted], g->tiles->len);
    char *text = shown < (int) g->tiles->len
        ? g_strdup_printf ("%s (the %d most confident shown)", heading, shown) : g_strdup (heading);
    cairo_set_source_rgb (cr, 0, 0, 0.4);
    show_text (cr, GAP, y + 4, 13, TRUE, text);
    g_free (heading);
    g_free (text);
    y += HEADING;
    for (int i = 0; i < shown; i++)
      draw_tile (cr, sheet, &g_array_index (g->tiles, Tile, i),
          GAP + (i % COLUMNS) * (TILE + GAP), y + (i / COLUMNS) * (TILE + CAPTION + GAP));
    y += rows_of (shown) * (TILE + CAPTION + GAP);
  }
  cairo_destroy (cr);
  GByteArray *png = g_byte_array_new ();
  const cairo_status_t status = cairo_surface_write_to_png_stream (surface, append_bytes, png);
  cairo_surface_destroy (surface);
  gboolean ok = FALSE;
  if (status != CAIRO_STATUS_SUCCESS)
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot draw the contact sheet %s: %s", path,
        cairo_status_to_string (status));
  else
    ok = fer_atomic_write_file (path, png->data, png->len, error);
  g_byte_array_unref (png);
  for (guint k = 0; k < groups->len; k++)
    g_array_unref (g_array_index (groups, Group, k).tiles);
  g_array_unref (groups);
  return ok;
}
