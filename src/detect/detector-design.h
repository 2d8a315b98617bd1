/* detector-design.h: our face detector, seed 004's made real-time.  The seed scores regions that
 * selective search proposes (seconds per image) through ROI pooling; ours scores anchor boxes
 * laid on three feature maps (strides 8, 16 and 32), all in one forward pass of a small
 * network on the luma plane, and keeps the seed's offset encoding, IoU labelling, separate
 * positive and negative losses and merging by IoU.
 *
 * A design is the network (layers, net.h) plus its heads: for each stride, the layer that
 * gives each anchor's two logits (background, face) and the one that gives its four offsets
 * (box-offset.h), with the anchors of that map (anchors.h).  A head's channels are laid out
 * anchor by anchor: logits channel 2a + k, offsets channel 4a + j, for the anchor a of the
 * cell (fer_anchor_grid's order within a cell).  The model file stores the heads as metadata
 * "detector" (JSON), beside the network's own description. */
#ifndef FER_DETECTOR_DESIGN_H
#define FER_DETECTOR_DESIGN_H

#include <glib.h>
#include "box/anchors.h"
#include "nn/net.h"

G_BEGIN_DECLS

#define FER_DETECTOR_MAX_HEADS 4
#define FER_DETECTOR_MAX_LAYERS 96

typedef struct {
  int logits, offsets;      /* layer indices */
  FerAnchorSpec anchors;    /* stride = the map's stride in input pixels */
} FerDetectorHead;

typedef struct {
  int n_layers;
  FerLayerSpec layers[FER_DETECTOR_MAX_LAYERS];
  int n_heads;
  FerDetectorHead heads[FER_DETECTOR_MAX_HEADS];
  double score_threshold;   /* a face above this probability (the model's suggestion) */
  double nms_iou;           /* detections overlapping more than this are one face */
} FerDetectorDesign;

/* The shipped design: grey input; strides 2 and 4 plain conv-BN-ReLU, stride 8 two of them,
 * strides 16 and 32 one BasicBlock each (the seed's), a 3x3 head pair on each of strides
 * 8, 16, 32; anchors of ratio 0.8 (width / height, as teacher-labelled faces) sized 16-24,
 * 32-64 and 96-208 input pixels. */
void fer_detector_design_default (FerDetectorDesign *design);

/* A new network of net's layers for width x height inputs and batches of up to max_batch,
 * with copies of net's tensors.  The design's
 * convolutions take any input size, so a detector trained on patches runs on whole frames. */
FerNet *fer_detector_net_resized (FerNet *net, int width, int height, int max_batch,
    GError **error);

/* The heads as JSON (layers by name) and back, checked against the layers: a named layer that
 * does not exist or has the wrong number of channels for its anchors, a stride that is not the
 * map's, anchors out of range: an error naming the head. */
char *fer_detector_heads_to_json (const FerDetectorDesign *design);
gboolean fer_detector_heads_from_json (FerDetectorDesign *design, const char *json,
    GError **error);

/* Anchors of the whole design for an input of width x height: heads in order, each its
 * grid (fer_anchor_grid's order); returns the count, or -1. anchors may be NULL to count. */
int fer_detector_anchors (const FerDetectorDesign *design, const FerNet *net, FerBoxF *anchors);

/* The logits and offsets of every anchor of image b after a forward pass, gathered from the
 * head layers into [anchors][2] and [anchors][4] (the anchors' order); and the reverse for
 * gradients (added into the head layers' output gradients). */
void fer_detector_gather (const FerDetectorDesign *design, FerNet *net, int b, float *logits,
    float *offsets);
void fer_detector_scatter_grad (const FerDetectorDesign *design, FerNet *net, int b,
    const float *dlogits, const float *doffsets);

G_END_DECLS

#endif /* FER_DETECTOR_DESIGN_H */
