/* GStreamer gst-fer plugin: mouth expression recognition
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include "gstfermouthcrop.h"
#include "gstferclassify.h"
#include "gstferoverlay.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;
  ret |= GST_ELEMENT_REGISTER (fermouthcrop, plugin);
  ret |= GST_ELEMENT_REGISTER (ferclassify, plugin);
  ret |= GST_ELEMENT_REGISTER (feroverlay, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, fer,
    "Mouth expression recognition: faces, mouth boxes, expressions",
    plugin_init, VERSION, "LGPL", "gst-fer", "https://gst-fer.invalid")
