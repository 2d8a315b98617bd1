#include "detect/default-detector.h"

const char *
fer_installed_detector_path (void)
{
  return FER_INSTALLED_DETECTOR;
}

char *
fer_default_detector_path (void)
{
  const char *env = g_getenv (FER_DETECTOR_MODEL_ENV);
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (!g_file_test (FER_INSTALLED_DETECTOR, G_FILE_TEST_EXISTS)
      && g_file_test (FER_SOURCE_TREE_DETECTOR, G_FILE_TEST_EXISTS))
    return g_strdup (FER_SOURCE_TREE_DETECTOR);
  return g_strdup (FER_INSTALLED_DETECTOR);
}
