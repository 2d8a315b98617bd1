/* net-file.h: networks of layers (nn/net.h) as safetensors model files.
 *
 * The tensors are the network's state_dict (PyTorch's names: a state_dict of the same network
 * saved from PyTorch is a valid file once the description below is added).  __metadata__
 * describes the network:
 *
 *   format          "gst-fer-model"      format_version  "1"
 *   architecture    "layers"             input           "[C, H, W]"
 *   layers          a JSON array, one object per layer, in order:
 *                   {"kind": "conv", "name": "conv1.0", "input": -1, "channels": 4,
 *                    "kernel": 3, "stride": 1, "padding": 1, "bias": false}
 *                   with only the fields its kind uses ("input2" for add, "pooled" for
 *                   roi_pool, "p" for dropout)
 * and any other entry (labels, training record...) is kept as it is.  Loading checks, field by
 * field, before anything is trusted: the description (an unknown kind, a missing or
 * out-of-range field, layers that do not chain: each named by index and name), then every
 * tensor the layers need (present, its exact shape, a float dtype, finite values; counters
 * integer) and no other. */
#ifndef FER_NET_FILE_H
#define FER_NET_FILE_H

#include <glib.h>
#include "nn/net.h"

G_BEGIN_DECLS

#define FER_NET_ARCHITECTURE "layers"

/* Writes net (its description, its tensors as F32, counters as I64) and the entries of extra
 * (char * -> char *, may be NULL) atomically. */
gboolean fer_net_save (FerNet *net, GHashTable *extra, const char *path, GError **error);

/* Loads a network file for batches of up to max_batch images and max_rois regions; *extra (may
 * be NULL) gets the metadata entries it does not interpret.  Errors name the file and the layer
 * or tensor at fault. */
FerNet *fer_net_load (const char *path, int max_batch, int max_rois, GHashTable **extra,
    GError **error);

/* Sets net's parameters, running statistics and counters from the network file at path, which
 * must have the same tensors (names, kinds, shapes): to start training from a model.  Errors
 * name the file and the first tensor that does not fit; net is unchanged only when the file
 * cannot be read at all. */
gboolean fer_net_load_weights (FerNet *net, const char *path, GError **error);

/* Files that carry more than the network: a training checkpoint's optimiser state, say.  Extra
 * tensors are written as 1-d F32 after the network's; loading accepts tensors whose names start
 * with tensor_prefix besides the network's and hands the caller the open file (*file_out, to
 * fer_safetensors_free) to read them. */
#include "io/safetensors.h"

typedef struct {
  const char *name;
  size_t count;
  const float *data;
} FerNetExtraTensor;

gboolean fer_net_save_with (FerNet *net, GHashTable *extra, const FerNetExtraTensor *tensors,
    int n_tensors, const char *path, GError **error);
FerNet *fer_net_load_with (const char *path, int max_batch, int max_rois, GHashTable **extra,
    const char *tensor_prefix, FerSafetensors **file_out, GError **error);

G_END_DECLS

#endif /* FER_NET_FILE_H */
