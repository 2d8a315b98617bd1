/* The scene watch behind fermouthcrop's skipped searches (src/face/scene-watch.c): a picture
 * that has not changed outside the faces is "unchanged"; a change outside them, a new frame
 * size, nothing kept yet, or faces covering half the picture or more are "changed". */
#include <string.h>

#include "base/fer-rng.h"
#include "box/box.h"
#include "face/face-landmarks.h"
#include "face/scene-watch.h"

enum { WIDTH = 320, HEIGHT = 240 };

static guint8 *
noise_picture (guint seed)
{
  guint8 *pixels = g_malloc (WIDTH * HEIGHT);
  FerRng rng;
  fer_rng_init (&rng, seed);
  for (int i = 0; i < WIDTH * HEIGHT; i++)
    pixels[i] = (guint8) fer_rng_uniform_range (&rng, 0, 256);
  return pixels;
}

/* Adds delta (clamped) to the rectangle of pixels. */
static void
brighten (guint8 *pixels, FerBox r, int delta)
{
  for (int y = r.y; y < r.y + r.height; y++)
    for (int x = r.x; x < r.x + r.width; x++)
      pixels[y * WIDTH + x] = (guint8) CLAMP (pixels[y * WIDTH + x] + delta, 0, 255);
}

static void
test_scene_watch (void)
{
  guint8 *kept = noise_picture (1), *now = g_memdup2 (kept, WIDTH * HEIGHT);
  const FerGrayView before = { kept, WIDTH, HEIGHT, WIDTH }, after = { now, WIDTH, HEIGHT, WIDTH };
  const FerBox face = { 40, 40, 80, 80 };
  FerSceneWatch watch;
  fer_scene_watch_init (&watch);
  g_assert_true (fer_scene_watch_changed (&watch, &after, &face, 1));   /* nothing kept */
  fer_scene_watch_keep (&watch, &before);
  g_assert_false (fer_scene_watch_changed (&watch, &after, &face, 1));

  /* Video noise of a few levels: unchanged. */
  brighten (now, (FerBox) { 0, 0, WIDTH, HEIGHT }, 3);
  g_assert_false (fer_scene_watch_changed (&watch, &after, &face, 1));
  /* A change inside the face's box: unchanged; a 24x24 change outside it: changed. */
  brighten (now, (FerBox) { 50, 50, 40, 40 }, 60);
  g_assert_false (fer_scene_watch_changed (&watch, &after, &face, 1));
  brighten (now, (FerBox) { 250, 150, 24, 24 }, 60);
  g_assert_true (fer_scene_watch_changed (&watch, &after, &face, 1));
  g_assert_true (fer_scene_watch_changed (&watch, &after, NULL, 0));

  /* Faces covering half the picture: changed, whatever the pixels. */
  memcpy (now, kept, WIDTH * HEIGHT);
  const FerBox close_up = { 0, 0, WIDTH, HEIGHT / 2 + 20 };
  g_assert_false (fer_scene_watch_changed (&watch, &after, &face, 1));
  g_assert_true (fer_scene_watch_changed (&watch, &after, &close_up, 1));

  /* Another frame size: changed. */
  const FerGrayView smaller = { now, WIDTH / 2, HEIGHT / 2, WIDTH };
  g_assert_true (fer_scene_watch_changed (&watch, &smaller, &face, 1));
  fer_scene_watch_reset (&watch);
  g_assert_true (fer_scene_watch_changed (&watch, &after, &face, 1));
  g_free (kept);
  g_free (now);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scene-watch/changed-or-not", test_scene_watch);
  return g_test_run ();
}
