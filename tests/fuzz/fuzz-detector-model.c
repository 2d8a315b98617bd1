/* Fuzz target: face detector model files (src/detect/face-detector.c): the network file, then
 * the "detector" heads and "landmark_box" metadata checked against the layers; a model it
 * accepts then runs on a small frame made of the input's bytes. */
#include <stdint.h>
#include <string.h>

#include "fuzz-input.h"
#include "detect/face-detector.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fer_fuzz_input_file ("input.safetensors", data, size);
  GError *error = NULL;
  FerFaceDetector *d = fer_face_detector_load (path, 64, 64, &error);
  g_clear_error (&error);
  if (d) {
    uint8_t frame[37 * 23];
    for (size_t i = 0; i < sizeof frame; i++)
      frame[i] = size ? data[i % size] : 0;
    FerDetection faces[16];
    const int n = fer_face_detector_detect (d, frame, 37, 23, 37, 0.01, faces, 16);
    for (int i = 0; i < n; i++)
      if (!(faces[i].box.x >= 0 && faces[i].box.x + faces[i].box.width <= 37 + 1e-6))
        __builtin_trap ();
    fer_face_detector_free (d);
  }
  return 0;
}
