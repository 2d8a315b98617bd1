/* fer-bench-following: how well fermouthcrop's following between whole-frame searches keeps up
 * with the detector itself.  Each clip runs twice through "fermouthcrop ! ferclassify": with the
 * given fermouthcrop properties (default: none, the element's defaults) and with
 * detect-interval=1 (the detector's box and a fresh landmark fit on every frame: the
 * reference).  For each reference face, the face of the run under test overlapping it most:
 * the share matched at IoU >= 0.5, the face boxes' and mouth boxes' IoU (mean, 5th and 1st
 * percentile), the share with the same label, and the faces of the run under test that overlap
 * no reference face (strays).  A quality measure, not a timing: the same on any machine.
 *
 * Usage: fer-bench-following [--properties 'detect-interval=5 ...'] CLIP...
 * Prints a line per clip and one for all of them together. */
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/sorting.h"
#include "clip-faces.h"

static char *properties = "";
static GOptionEntry entries[] = {
  { "properties", 0, 0, G_OPTION_ARG_STRING, &properties, "fermouthcrop's properties in the "
    "run under test (default: none)", "'NAME=VALUE ...'" },
  { NULL }
};

/* Mean, 5th and 1st percentile of values (sorted here). */
static void
summary (GArray *values, double *mean, double *p5, double *p1)
{
  *mean = *p5 = *p1 = 0;
  if (values->len == 0)
    return;
  g_array_sort (values, fer_compare_doubles);
  for (guint i = 0; i < values->len; i++)
    *mean += g_array_index (values, double, i);
  *mean /= values->len;
  *p5 = g_array_index (values, double, values->len / 20);
  *p1 = g_array_index (values, double, values->len / 100);
}

static void
print_line (const char *name, FerClipComparison *c)
{
  double face_mean, face_p5, face_p1, mouth_mean, mouth_p5, mouth_p1;
  summary (c->face_iou, &face_mean, &face_p5, &face_p1);
  summary (c->mouth_iou, &mouth_mean, &mouth_p5, &mouth_p1);
  const double n = MAX (c->reference_faces, 1);
  printf ("%-12s %6d %8.2f%% %6.3f %6.3f %6.3f %6.3f %6.3f %6.3f %8.2f%% %6d\n", name,
      c->reference_faces, 100 * c->matched / n, face_mean, face_p5, face_p1, mouth_mean,
      mouth_p5, mouth_p1, 100 * c->same_label / n, c->strays);
}

static void
append (FerClipComparison *all, const FerClipComparison *c)
{
  all->reference_faces += c->reference_faces;
  all->matched += c->matched;
  all->same_label += c->same_label;
  all->strays += c->strays;
  g_array_append_vals (all->face_iou, c->face_iou->data, c->face_iou->len);
  g_array_append_vals (all->mouth_iou, c->mouth_iou->data, c->mouth_iou->len);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  GOptionContext *context = g_option_context_new ("CLIP... - fermouthcrop's following "
      "against the detector on every frame");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 2) {
    fprintf (stderr, "fer-bench-following: %s\n", error ? error->message
        : "give at least one video file");
    return 2;
  }
  g_option_context_free (context);
  char *tested = g_strdup_printf ("fermouthcrop %s ! ferclassify", properties);
  printf ("%-12s %6s %9s %6s %6s %6s %6s %6s %6s %9s %6s\n", "clip", "faces", "matched",
      "face", "p5", "p1", "mouth", "p5", "p1", "label", "strays");
  FerClipComparison all = { 0 };
  all.face_iou = g_array_new (FALSE, FALSE, sizeof (double));
  all.mouth_iou = g_array_new (FALSE, FALSE, sizeof (double));
  int failed = 0;
  for (int i = 1; i < argc; i++) {
    GPtrArray *ours = fer_clip_faces (argv[i], tested, &error);
    GPtrArray *reference = ours ? fer_clip_faces (argv[i],
        "fermouthcrop detect-interval=1 ! ferclassify", &error) : NULL;
    if (reference == NULL) {
      fprintf (stderr, "fer-bench-following: %s: %s\n", argv[i], error->message);
      g_clear_error (&error);
      g_clear_pointer (&ours, g_ptr_array_unref);
      failed = 1;
      continue;
    }
    FerClipComparison c;
    fer_clip_compare (reference, ours, &c);
    char *name = g_path_get_basename (argv[i]);
    print_line (name, &c);
    g_free (name);
    append (&all, &c);
    fer_clip_comparison_clear (&c);
    g_ptr_array_unref (ours);
    g_ptr_array_unref (reference);
  }
  print_line ("all", &all);
  fer_clip_comparison_clear (&all);
  g_free (tested);
  return failed;
}
