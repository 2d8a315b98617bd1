#include "image/dataset.h"

#include <omp.h>

#include "base/fer-error.h"
#include "image/transforms.h"

void
fer_load_report_init (FerLoadReport *report)
{
  report->not_images = g_ptr_array_new_with_free_func (g_free);
  report->corrupt = g_ptr_array_new_with_free_func (g_free);
  report->unreadable = g_ptr_array_new_with_free_func (g_free);
  report->too_small = g_ptr_array_new_with_free_func (g_free);
}

void
fer_load_report_clear (FerLoadReport *report)
{
  g_ptr_array_unref (report->not_images);
  g_ptr_array_unref (report->corrupt);
  g_ptr_array_unref (report->unreadable);
  g_ptr_array_unref (report->too_small);
}

int
fer_load_report_skipped (const FerLoadReport *report)
{
  return report->not_images->len + report->corrupt->len + report->unreadable->len
      + report->too_small->len;
}

/* The image as it is kept: downscaled when its shorter side exceeds cache_size. */
static FerImage *
cached (FerImage *image, int cache_size)
{
  if (cache_size <= 0 || MIN (image->width, image->height) <= cache_size)
    return image;
  int width, height;
  fer_resize_shorter_size (image->width, image->height, cache_size, &width, &height);
  FerImage *smaller = fer_image_new (width, height);
  if (smaller == NULL)
    return image;
  fer_resize_bilinear (smaller, image, (FerBox) { 0, 0, image->width, image->height });
  fer_image_free (image);
  return smaller;
}

FerDataset *
fer_dataset_load (const FerSample *samples, int count, const FerLoadOptions *options,
    FerLoadReport *report, GError **error)
{
  FerImage **images = g_new0 (FerImage *, count);
  GError **errors = g_new0 (GError *, count);
  size_t total_bytes = 0;
  int done = 0, over_budget = 0;

#pragma omp parallel for schedule (dynamic, 8)
  for (int i = 0; i < count; i++) {
    int stop;
#pragma omp atomic read
    stop = over_budget;
    if (stop)
      continue;
    FerImage *image = fer_image_load (samples[i].path, &errors[i]);
    if (image != NULL && (image->width < options->min_size || image->height < options->min_size)) {
      g_set_error (&errors[i], FER_ERROR, FER_ERROR_DATA, "'%s' is %d x %d, smaller than %d px",
          samples[i].path, image->width, image->height, options->min_size);
      fer_image_free (image);
      image = NULL;
    }
    if (image != NULL) {
      images[i] = cached (image, options->cache_size);
      size_t total;
#pragma omp atomic capture
      total = total_bytes += fer_image_bytes (images[i]);
      if (total > options->max_bytes) {
#pragma omp atomic write
        over_budget = 1;
      }
    }
    int now;
#pragma omp atomic capture
    now = ++done;
    if (options->progress && omp_get_thread_num () == 0)
      options->progress (now, count, options->user_data);
  }

  FerDataset *dataset = NULL;
  if (over_budget) {
    g_set_error (error, FER_ERROR, FER_ERROR_DATA,
        "the images need more than the %.1f GiB allowed in memory (%d files): raise "
        "--max-memory, or lower --cache-size so large photos are kept smaller",
        options->max_bytes / 1073741824.0, count);
  } else {
    dataset = g_new0 (FerDataset, 1);
    dataset->images = g_new (FerImage *, count);
    dataset->labels = g_new (int, count);
    dataset->paths = g_new0 (char *, count + 1);
    for (int i = 0; i < count; i++) {
      if (images[i] != NULL) {
        const int n = dataset->count++;
        dataset->images[n] = images[i];
        dataset->labels[n] = samples[i].label;
        dataset->paths[n] = g_strdup (samples[i].path);
        dataset->bytes += fer_image_bytes (images[i]);
        images[i] = NULL;
        continue;
      }
      if (errors[i] == NULL)
        continue;
      GPtrArray *list = errors[i]->code == FER_ERROR_NOT_IMAGE ? report->not_images
          : errors[i]->code == FER_ERROR_FORMAT ? report->corrupt
          : errors[i]->code == FER_ERROR_DATA ? report->too_small : report->unreadable;
      g_ptr_array_add (list, g_strdup (errors[i]->message));
    }
  }
  for (int i = 0; i < count; i++) {
    fer_image_free (images[i]);
    g_clear_error (&errors[i]);
  }
  g_free (images);
  g_free (errors);
  if (options->progress)
    options->progress (count, count, options->user_data);
  return dataset;
}

void
fer_dataset_free (FerDataset *dataset)
{
  if (dataset == NULL)
    return;
  for (int i = 0; i < dataset->count; i++)
    fer_image_free (dataset->images[i]);
  g_free (dataset->images);
  g_free (dataset->labels);
  g_strfreev (dataset->paths);
  g_free (dataset);
}
