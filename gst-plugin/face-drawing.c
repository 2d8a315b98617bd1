#include "face-drawing.h"

#include <math.h>
#include <pango/pangocairo.h>

gdouble
fer_draw_auto_line_width (gint frame_width, gint frame_height)
{
  return MAX (1.0, round (MIN (frame_width, frame_height) / 240.0));
}

gdouble
fer_draw_auto_font_size (gint frame_width, gint frame_height)
{
  return MAX (11.0, round (MIN (frame_width, frame_height) / 30.0));
}

static void
set_color (cairo_t * cr, guint32 rgb, gdouble alpha)
{
  cairo_set_source_rgba (cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
      (rgb & 0xff) / 255.0, alpha);
}

static guint32
class_color (const FerDrawStyle * style, gint index)
{
  if (index < 0 || style->n_colors == 0)
    return 0xb0b0b0;    /* not classified */
  return style->colors[index % style->n_colors];
}

/* Black or white, whichever reads better on rgb. */
static guint32
text_color_on (guint32 rgb)
{
  const gdouble luma = 0.299 * ((rgb >> 16) & 0xff) + 0.587 * ((rgb >> 8) & 0xff)
      + 0.114 * (rgb & 0xff);
  return luma > 140 ? 0x000000 : 0xffffff;
}

static PangoLayout *
text_layout (cairo_t * cr, const FerDrawStyle * style, gdouble size, const gchar * text)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string (style->font_family);
  pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  pango_layout_set_text (layout, text, -1);
  return layout;
}

/* Where things go, in frame pixels, before anything is drawn. */
typedef struct {
  gchar *label;
  gdouble label_w, label_h, label_x, label_y;     /* the label's box, above the mouth */
  gdouble chart_x, chart_y, chart_w, chart_h;     /* the probability bars */
  gdouble row_h, name_w;
  gdouble x0, y0, x1, y1;                         /* everything */
} Layout;

static void
grow (Layout * l, gdouble x0, gdouble y0, gdouble x1, gdouble y1)
{
  l->x0 = MIN (l->x0, x0);
  l->y0 = MIN (l->y0, y0);
  l->x1 = MAX (l->x1, x1);
  l->y1 = MAX (l->y1, y1);
}

static void
text_size (cairo_t * measure, const FerDrawStyle * style, gdouble size, const gchar * text,
    gdouble * w, gdouble * h)
{
  PangoLayout *layout = text_layout (measure, style, size, text);
  gint pw, ph;
  pango_layout_get_pixel_size (layout, &pw, &ph);
  g_object_unref (layout);
  *w = pw;
  *h = ph;
}

static const gchar *
class_name (const FerDrawStyle * style, const GstFerFace * face, guint c, gchar buf[32])
{
  if (style->labels)
    return style->labels[c];
  if ((gint) c == face->label_index && face->label)
    return face->label;
  g_snprintf (buf, 32, "class %u", c);
  return buf;
}

static void
plan (Layout * l, cairo_t * measure, const GstFerFace * face, const FerDrawStyle * style,
    gint frame_width)
{
  const gdouble lw = style->line_width, pad = MAX (2.0, style->font_size / 5);
  const GstVideoRectangle *m = &face->mouth;
  l->x0 = m->x - lw;
  l->y0 = m->y - lw;
  l->x1 = m->x + m->w + lw;
  l->y1 = m->y + m->h + lw;
  if (style->show_face)
    grow (l, face->face.x - lw, face->face.y - lw, face->face.x + face->face.w + lw,
        face->face.y + face->face.h + lw);
  if (style->show_landmarks)
    for (gint i = 0; i < GST_FER_N_LANDMARKS; i++)
      grow (l, face->landmarks[2 * i] - 2 * lw, face->landmarks[2 * i + 1] - 2 * lw,
          face->landmarks[2 * i] + 2 * lw, face->landmarks[2 * i + 1] + 2 * lw);
  if (style->show_label && face->classified) {
    l->label = g_strdup_printf ("%s %.0f%%", face->label ? face->label : "?",
        100.0 * face->confidence);
    text_size (measure, style, style->font_size, l->label, &l->label_w, &l->label_h);
    l->label_w += 2 * pad;
    l->label_h += pad;
    l->label_x = m->x - lw / 2;
    l->label_y = m->y - lw / 2 - l->label_h;
    grow (l, l->label_x, l->label_y, l->label_x + l->label_w, l->label_y + l->label_h);
  }
  if (style->show_probabilities && face->classified) {
    const gdouble size = style->font_size * 0.75;
    gchar buf[32];
    l->name_w = 0;
    for (guint c = 0; c < face->n_classes; c++) {
      gdouble w, h;
      text_size (measure, style, size, class_name (style, face, c, buf), &w, &h);
      l->name_w = MAX (l->name_w, w);
      l->row_h = MAX (l->row_h, h);
    }
    l->chart_w = l->name_w + pad + 5 * size;
    l->chart_h = face->n_classes * (l->row_h + pad / 2) + pad;
    /* Beside the face box (or the mouth's, without it): on its right, or on its left when the
     * frame ends first. */
    const GstVideoRectangle *beside = style->show_face ? &face->face : m;
    l->chart_x = beside->x + beside->w + 2 * lw + pad;
    if (l->chart_x + l->chart_w > frame_width && beside->x - 2 * lw - pad - l->chart_w >= 0)
      l->chart_x = beside->x - 2 * lw - pad - l->chart_w;
    l->chart_y = beside->y;
    grow (l, l->chart_x, l->chart_y, l->chart_x + l->chart_w, l->chart_y + l->chart_h);
  }
}

static void
draw (cairo_t * cr, const Layout * l, const GstFerFace * face, const FerDrawStyle * style)
{
  const gdouble lw = style->line_width, pad = MAX (2.0, style->font_size / 5);
  const guint32 color = class_color (style, face->classified ? face->label_index : -1);
  cairo_set_line_width (cr, lw);
  if (style->show_face) {
    set_color (cr, 0xffffff, 0.8);
    cairo_rectangle (cr, face->face.x, face->face.y, face->face.w, face->face.h);
    cairo_stroke (cr);
  }
  if (style->show_landmarks) {
    set_color (cr, 0x00e5ff, 0.9);
    for (gint i = 0; i < GST_FER_N_LANDMARKS; i++) {
      cairo_arc (cr, face->landmarks[2 * i], face->landmarks[2 * i + 1], MAX (1.0, lw), 0,
          2 * G_PI);
      cairo_fill (cr);
    }
  }
  set_color (cr, color, 1.0);
  cairo_rectangle (cr, face->mouth.x + lw / 2, face->mouth.y + lw / 2,
      MAX (face->mouth.w - lw, 1), MAX (face->mouth.h - lw, 1));
  cairo_stroke (cr);
  if (l->chart_w > 0) {
    const gdouble size = style->font_size * 0.75, bar_w = l->chart_w - l->name_w - 2 * pad;
    set_color (cr, 0x000000, 0.55);
    cairo_rectangle (cr, l->chart_x, l->chart_y, l->chart_w, l->chart_h);
    cairo_fill (cr);
    gchar buf[32];
    for (guint c = 0; c < face->n_classes; c++) {
      const gdouble y = l->chart_y + pad + c * (l->row_h + pad / 2);
      set_color (cr, 0xffffff, 1.0);
      cairo_move_to (cr, l->chart_x + pad / 2, y);
      PangoLayout *layout = text_layout (cr, style, size, class_name (style, face, c, buf));
      pango_cairo_show_layout (cr, layout);
      g_object_unref (layout);
      set_color (cr, class_color (style, c), 1.0);
      cairo_rectangle (cr, l->chart_x + l->name_w + pad, y + l->row_h * 0.15,
          MAX (1.0, bar_w * CLAMP (face->probabilities[c], 0.0f, 1.0f)), l->row_h * 0.7);
      cairo_fill (cr);
    }
  }
  /* The label last: on top of the bars when a small frame crowds them together. */
  if (l->label) {
    set_color (cr, color, 0.85);
    cairo_rectangle (cr, l->label_x, l->label_y, l->label_w, l->label_h);
    cairo_fill (cr);
    set_color (cr, text_color_on (color), 1.0);
    cairo_move_to (cr, l->label_x + pad, l->label_y + pad / 2);
    PangoLayout *layout = text_layout (cr, style, style->font_size, l->label);
    pango_cairo_show_layout (cr, layout);
    g_object_unref (layout);
  }
}

GstVideoOverlayRectangle *
fer_draw_face (const GstFerFace * face, const FerDrawStyle * style, gint frame_width,
    gint frame_height)
{
  cairo_surface_t *scratch = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *measure = cairo_create (scratch);
  Layout l = { 0 };
  plan (&l, measure, face, style, frame_width);
  cairo_destroy (measure);
  cairo_surface_destroy (scratch);

  /* The surface: the drawings' bounds, whole pixels, inside the frame. */
  const gint x0 = CLAMP ((gint) floor (l.x0), 0, frame_width);
  const gint y0 = CLAMP ((gint) floor (l.y0), 0, frame_height);
  const gint x1 = CLAMP ((gint) ceil (l.x1), 0, frame_width);
  const gint y1 = CLAMP ((gint) ceil (l.y1), 0, frame_height);
  if (x1 <= x0 || y1 <= y0) {
    g_free (l.label);
    return NULL;
  }
  const gint w = x1 - x0, h = y1 - y0, stride = w * 4;
  GstBuffer *pixels = gst_buffer_new_allocate (NULL, (gsize) stride * h, NULL);
  GstMapInfo map;
  gst_buffer_map (pixels, &map, GST_MAP_READWRITE);
  memset (map.data, 0, map.size);
  cairo_surface_t *surface = cairo_image_surface_create_for_data (map.data, CAIRO_FORMAT_ARGB32,
      w, h, stride);
  cairo_t *cr = cairo_create (surface);
  cairo_translate (cr, -x0, -y0);
  draw (cr, &l, face, style);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  gst_buffer_unmap (pixels, &map);
  g_free (l.label);

  /* cairo's ARGB32 is premultiplied, native-endian: GStreamer's overlay "RGB" format. */
  gst_buffer_add_video_meta (pixels, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB, w, h);
  GstVideoOverlayRectangle *rect = gst_video_overlay_rectangle_new_raw (pixels, x0, y0, w, h,
      GST_VIDEO_OVERLAY_FORMAT_FLAG_PREMULTIPLIED_ALPHA);
  gst_buffer_unref (pixels);
  return rect;
}
