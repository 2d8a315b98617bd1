/* video-frames.h: every n-th frame of a video file as an RGB image, decoded by GStreamer
 * (decodebin: whatever codecs the installed plugins handle). */
#ifndef FER_VIDEO_FRAMES_H
#define FER_VIDEO_FRAMES_H

#include <glib.h>
#include "image/image.h"

typedef struct _FerVideoFrames FerVideoFrames;

/* NULL with an error naming the file when it cannot be opened as a video. */
FerVideoFrames *fer_video_frames_open (const char *path, int every, GError **error);
/* The next n-th frame (free it), with its index in the stream; NULL at the end or on a decoding
 * error (then error is set). */
FerImage *fer_video_frames_next (FerVideoFrames *video, guint64 *index, GError **error);
void fer_video_frames_close (FerVideoFrames *video);

#endif /* FER_VIDEO_FRAMES_H */
