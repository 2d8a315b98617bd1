/* letterbox.h: seed 004's resize with padding, made exact.
 *
 * The seed fits an image of any shape into the network's fixed input (IMAGE_SIZE) without
 * distorting it: the shorter dimension (relative to the input's aspect ratio) is padded
 * equally on both sides until the aspect ratios match, then the padded image is resized.
 * calc_resize_parameters, map_box_to_resized_image and map_box_to_original_image map boxes
 * between the two.  What this version corrects:
 *   - the seed pads (new - old) // 2 on each side, so an odd difference loses a pixel and the
 *     padded image is not the size its scale was computed from: here the padded canvas is
 *     exactly padded_width x padded_height, with pad_x (pad_y) on the left (top) and the rest on
 *     the right (bottom), and each axis has its own exact scale;
 *   - the seed truncates coordinates with int () and drops any box that pokes past an edge
 *     (returning 0, 0, 0, 0), also those merely touching it; here boxes keep their real
 *     coordinates and are clipped to the target image (the picture itself, not the padding):
 *     only a box with nothing left inside is refused. */
#ifndef FER_LETTERBOX_H
#define FER_LETTERBOX_H

#include <glib.h>
#include "box/box.h"

G_BEGIN_DECLS

typedef struct {
  int source_width, source_height;   /* the original image */
  int padded_width, padded_height;   /* the canvas with the input's aspect ratio */
  int pad_x, pad_y;                  /* where the image sits on the canvas */
  int input_width, input_height;     /* the network's input (the seed's IMAGE_SIZE) */
  double scale_x, scale_y;           /* input / padded, per axis */
} FerLetterbox;

/* FALSE when a size is not positive. */
gboolean fer_letterbox_init (FerLetterbox *letterbox, int source_width, int source_height,
    int input_width, int input_height);

/* A box of the original image in the network's input, clipped to where the image lies there;
 * FALSE (box untouched) when nothing of it is inside. */
gboolean fer_letterbox_to_input (const FerLetterbox *letterbox, FerBoxF box, FerBoxF *mapped);

/* A box of the network's input in the original image, clipped to the image; FALSE (box
 * untouched) when nothing of it is inside (a box on the padding). */
gboolean fer_letterbox_to_source (const FerLetterbox *letterbox, FerBoxF box, FerBoxF *mapped);

G_END_DECLS

#endif /* FER_LETTERBOX_H */
