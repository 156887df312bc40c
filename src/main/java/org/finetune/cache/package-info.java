/**
 * The bottleneck cache: the frozen base's output for each image, computed once and reused in
 * every epoch and across runs. {@link org.finetune.cache.FeatureCache} stores float32 feature
 * records on disk, keyed by a namespace (which model, cut, preprocessing and input size produced
 * them) and the SHA-256 of each image's bytes, and reads them memory-mapped. It knows nothing of
 * TensorFlow or models; {@code train} decides what goes in.
 */
package org.finetune.cache;
