/* GStreamer feroverlay: mouth boxes, labels and probabilities drawn on the video
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-feroverlay
 * @title: feroverlay
 *
 * Draws what #fermouthcrop and #ferclassify found (the #GstFerMeta of each frame): for every
 * face, the mouth box in its class's colour with the label and confidence above it, and, on
 * request, the face box, the 68 landmarks and bars of the class probabilities.  Lines and text
 * scale with the frame, legible from 320x240 to 4K.  The drawings are rendered with cairo and
 * pango and blended with #GstVideoOverlayComposition into the frame, in any of the raw formats
 * fermouthcrop takes, so no videoconvert is needed; pixels outside the drawings are left
 * exactly as they were, and frames without faces (or without metadata) pass untouched.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 v4l2src ! fermouthcrop ! ferclassify ! feroverlay ! autovideosink
 * ]| Live: every face's mouth expression on screen.
 * |[
 * gst-launch-1.0 filesrc location=in.mp4 ! decodebin ! fermouthcrop ! ferclassify ! feroverlay show-probabilities=true show-landmarks=true ! x264enc ! mp4mux ! filesink location=annotated.mp4
 * ]| A file annotated into another.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstferoverlay.h"

#include "fer-formats.h"

#include <stdlib.h>
#include <string.h>

#include "face-drawing.h"
#include "gstfermeta.h"

GST_DEBUG_CATEGORY_STATIC (gst_fer_overlay_debug);
#define GST_CAT_DEFAULT gst_fer_overlay_debug

/* none grey, pouting orange, smile green, openmouth blue; more classes: more colours. */
#define DEFAULT_CLASS_COLORS "#b0b0b0,#ff9800,#4caf50,#2196f3,#e91e63,#9c27b0,#ffeb3b,#00bcd4"
#define DEFAULT_FONT_DESC "Sans Bold"

enum
{
  PROP_0,
  PROP_SHOW_FACE,
  PROP_SHOW_LANDMARKS,
  PROP_SHOW_PROBABILITIES,
  PROP_SHOW_LABEL,
  PROP_LINE_WIDTH,
  PROP_FONT_SIZE,
  PROP_FONT_DESC,
  PROP_CLASS_COLORS,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (FER_VIDEO_FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (FER_VIDEO_FORMATS)));

#define gst_fer_overlay_parent_class parent_class
G_DEFINE_TYPE (GstFerOverlay, gst_fer_overlay, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (feroverlay, "feroverlay", GST_RANK_NONE, GST_TYPE_FER_OVERLAY);

/* "#rrggbb,#rrggbb,...": FALSE (colours unchanged) unless every entry is one. */
static gboolean
parse_colors (const gchar * text, guint32 * colors, guint * n)
{
  gchar **parts = g_strsplit (text, ",", -1);
  guint32 parsed[GST_FER_OVERLAY_MAX_COLORS];
  guint count = 0;
  gboolean ok = parts[0] != NULL;
  for (guint i = 0; ok && parts[i]; i++) {
    const gchar *p = g_strstrip (parts[i]);
    gchar *end = NULL;
    ok = count < GST_FER_OVERLAY_MAX_COLORS && p[0] == '#' && strlen (p) == 7;
    if (ok) {
      parsed[count++] = (guint32) strtoul (p + 1, &end, 16);
      ok = end && *end == '\0';
    }
  }
  g_strfreev (parts);
  if (ok) {
    memcpy (colors, parsed, count * sizeof (guint32));
    *n = count;
  }
  return ok;
}

static void
gst_fer_overlay_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstFerOverlay *self = GST_FER_OVERLAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SHOW_FACE:
      self->show_face = g_value_get_boolean (value);
      break;
    case PROP_SHOW_LANDMARKS:
      self->show_landmarks = g_value_get_boolean (value);
      break;
    case PROP_SHOW_PROBABILITIES:
      self->show_probabilities = g_value_get_boolean (value);
      break;
    case PROP_SHOW_LABEL:
      self->show_label = g_value_get_boolean (value);
      break;
    case PROP_LINE_WIDTH:
      self->line_width = g_value_get_int (value);
      break;
    case PROP_FONT_SIZE:
      self->font_size = g_value_get_int (value);
      break;
    case PROP_FONT_DESC:
      g_free (self->font_desc);
      self->font_desc = g_value_dup_string (value);
      if (self->font_desc == NULL)
        self->font_desc = g_strdup (DEFAULT_FONT_DESC);
      break;
    case PROP_CLASS_COLORS:{
      const gchar *text = g_value_get_string (value);
      if (text == NULL)
        text = DEFAULT_CLASS_COLORS;
      if (parse_colors (text, self->colors, &self->n_colors)) {
        g_free (self->class_colors);
        self->class_colors = g_strdup (text);
      } else {
        GST_OBJECT_UNLOCK (self);
        g_warning ("feroverlay: class-colors '%s' is not a list of up to %d #rrggbb colours; "
            "kept '%s'", text, GST_FER_OVERLAY_MAX_COLORS, self->class_colors);
        return;
      }
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_fer_overlay_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstFerOverlay *self = GST_FER_OVERLAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SHOW_FACE:
      g_value_set_boolean (value, self->show_face);
      break;
    case PROP_SHOW_LANDMARKS:
      g_value_set_boolean (value, self->show_landmarks);
      break;
    case PROP_SHOW_PROBABILITIES:
      g_value_set_boolean (value, self->show_probabilities);
      break;
    case PROP_SHOW_LABEL:
      g_value_set_boolean (value, self->show_label);
      break;
    case PROP_LINE_WIDTH:
      g_value_set_int (value, self->line_width);
      break;
    case PROP_FONT_SIZE:
      g_value_set_int (value, self->font_size);
      break;
    case PROP_FONT_DESC:
      g_value_set_string (value, self->font_desc);
      break;
    case PROP_CLASS_COLORS:
      g_value_set_string (value, self->class_colors);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* transform_ip rather than transform_frame_ip: a frame with nothing to draw is not mapped at all
 * (mapping for writing would copy a shared buffer), so it leaves exactly as it came. */
static GstFlowReturn
gst_fer_overlay_transform_ip (GstBaseTransform * trans, GstBuffer * buffer)
{
  GstFerOverlay *self = GST_FER_OVERLAY (trans);
  GstVideoFilter *filter = GST_VIDEO_FILTER (trans);
  if (!filter->negotiated)
    goto not_negotiated;
  GstFerMeta *meta = gst_buffer_get_fer_meta (buffer);
  if (meta == NULL || gst_fer_meta_get_n_faces (meta) == 0)
    return GST_FLOW_OK;

  const gint width = GST_VIDEO_INFO_WIDTH (&filter->in_info);
  const gint height = GST_VIDEO_INFO_HEIGHT (&filter->in_info);
  GST_OBJECT_LOCK (self);
  guint32 colors[GST_FER_OVERLAY_MAX_COLORS];
  memcpy (colors, self->colors, sizeof colors);
  gchar *font = g_strdup (self->font_desc);
  FerDrawStyle style = {
    self->show_face, self->show_landmarks, self->show_probabilities, self->show_label,
    self->line_width > 0 ? self->line_width : fer_draw_auto_line_width (width, height),
    self->font_size > 0 ? self->font_size : fer_draw_auto_font_size (width, height),
    font, colors, self->n_colors, NULL
  };
  GST_OBJECT_UNLOCK (self);

  GstVideoOverlayComposition *composition = NULL;
  for (guint i = 0; i < gst_fer_meta_get_n_faces (meta); i++) {
    const GstFerFace *face = gst_fer_meta_get_face (meta, i);
    /* Bars are named after the meta's classes (a face classified by another model than the
     * meta's names, set by an application, gets bars without names). */
    style.labels = style.show_probabilities && face->classified
        && face->n_classes == meta->n_classes ? meta->class_names : NULL;
    GstVideoOverlayRectangle *rect = fer_draw_face (face, &style, width, height);
    if (rect == NULL)
      continue;
    if (composition == NULL)
      composition = gst_video_overlay_composition_new (rect);
    else
      gst_video_overlay_composition_add_rectangle (composition, rect);
    gst_video_overlay_rectangle_unref (rect);
  }
  g_free (font);
  if (composition == NULL)
    return GST_FLOW_OK;

  GstVideoFrame frame;
  if (!gst_video_frame_map (&frame, &filter->in_info, buffer,
          GST_MAP_READWRITE | GST_VIDEO_FRAME_MAP_FLAG_NO_REF)) {
    gst_video_overlay_composition_unref (composition);
    goto map_failed;
  }
  gst_video_overlay_composition_blend (composition, &frame);
  gst_video_frame_unmap (&frame);
  gst_video_overlay_composition_unref (composition);
  return GST_FLOW_OK;

  /* ERRORS */
not_negotiated:
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL), ("unknown format"));
  return GST_FLOW_NOT_NEGOTIATED;
map_failed:
  GST_ELEMENT_ERROR (self, CORE, FAILED, (NULL), ("cannot map the video frame for writing"));
  return GST_FLOW_ERROR;
}

static void
gst_fer_overlay_finalize (GObject * object)
{
  GstFerOverlay *self = GST_FER_OVERLAY (object);
  g_free (self->font_desc);
  g_free (self->class_colors);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_fer_overlay_class_init (GstFerOverlayClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
      | GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_fer_overlay_set_property;
  gobject_class->get_property = gst_fer_overlay_get_property;
  gobject_class->finalize = gst_fer_overlay_finalize;

  g_object_class_install_property (gobject_class, PROP_SHOW_FACE,
      g_param_spec_boolean ("show-face", "Show face", "Draw each face's box", FALSE, flags));
  g_object_class_install_property (gobject_class, PROP_SHOW_LANDMARKS,
      g_param_spec_boolean ("show-landmarks", "Show landmarks", "Draw the 68 landmarks",
          FALSE, flags));
  g_object_class_install_property (gobject_class, PROP_SHOW_PROBABILITIES,
      g_param_spec_boolean ("show-probabilities", "Show probabilities",
          "Draw bars of every class's probability beside each face", FALSE, flags));
  g_object_class_install_property (gobject_class, PROP_SHOW_LABEL,
      g_param_spec_boolean ("show-label", "Show label",
          "Write the label and confidence above each mouth", TRUE, flags));
  g_object_class_install_property (gobject_class, PROP_LINE_WIDTH,
      g_param_spec_int ("line-width", "Line width",
          "Line width in pixels; 0: scaled with the frame (1 px at 240 lines, 9 at 2160)",
          0, 64, 0, flags));
  g_object_class_install_property (gobject_class, PROP_FONT_SIZE,
      g_param_spec_int ("font-size", "Font size",
          "Text height in pixels; 0: scaled with the frame (a thirtieth of its height, at "
          "least 11)", 0, 512, 0, flags));
  g_object_class_install_property (gobject_class, PROP_FONT_DESC,
      g_param_spec_string ("font-desc", "Font description",
          "Pango font description of the text, without size (font-size sets it)",
          DEFAULT_FONT_DESC, flags));
  g_object_class_install_property (gobject_class, PROP_CLASS_COLORS,
      g_param_spec_string ("class-colors", "Class colours",
          "Colour of each class in model order, comma-separated #rrggbb (cycled when the model "
          "has more classes); unclassified mouths are grey", DEFAULT_CLASS_COLORS, flags));

  gst_element_class_set_static_metadata (element_class, "Mouth expression overlay",
      "Filter/Effect/Video",
      "Draws the mouth boxes, expressions and probabilities of fermouthcrop and ferclassify",
      "gst-fer developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_fer_overlay_transform_ip);

  GST_DEBUG_CATEGORY_INIT (gst_fer_overlay_debug, "feroverlay", 0, "feroverlay");
}

static void
gst_fer_overlay_init (GstFerOverlay * self)
{
  self->show_label = TRUE;
  self->font_desc = g_strdup (DEFAULT_FONT_DESC);
  self->class_colors = g_strdup (DEFAULT_CLASS_COLORS);
  parse_colors (DEFAULT_CLASS_COLORS, self->colors, &self->n_colors);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
