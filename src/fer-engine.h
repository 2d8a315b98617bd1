/* fer-engine.h: everything the engine offers, for tools and the plugin. */
#ifndef FER_ENGINE_H
#define FER_ENGINE_H

#include "atomic-file.h"
#include "fer-error.h"
#include "fer-rng.h"
#include "fer-threads.h"
#include "simpleconv3.h"
#include "cross-entropy.h"
#include "sgd.h"
#include "safetensors.h"
#include "model-file.h"
#include "image.h"
#include "image-folder.h"
#include "dataset.h"
#include "transforms.h"
#include "evaluation.h"
#include "classifier.h"
#include "mouth-box.h"
#include "face-landmarks.h"
#include "face-finder.h"
#include "mouth-cutter.h"

#endif /* FER_ENGINE_H */
