/* fer-formats.h: the raw video formats all three elements take (and give back unchanged): every
 * 8-bit gray, planar and packed YUV and packed RGB layout a camera or decoder commonly outputs,
 * so that no videoconvert is needed in front of them.  One list, so the elements stay in step. */
#ifndef FER_FORMATS_H
#define FER_FORMATS_H

#define FER_VIDEO_FORMATS "{ GRAY8, I420, YV12, NV12, NV21, YUY2, UYVY, RGB, BGR, RGBx, BGRx, " \
    "xRGB, xBGR, RGBA, BGRA, ARGB, ABGR }"

#endif /* FER_FORMATS_H */
