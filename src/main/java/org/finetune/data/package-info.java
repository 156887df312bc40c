/**
 * Labelled images in, model-ready batches out, exactly as Keras' {@code
 * image_dataset_from_directory} followed by {@code preprocess_input} would produce them.
 *
 * <p>Owns: reading a data set laid out one sub-folder per class, from a folder or straight out of a
 * {@code .tar.gz}/{@code .tgz}/{@code .tar}/{@code .zip} archive without extracting it ({@link
 * org.finetune.data.Dataset}); the deterministic train/validation split ({@link
 * org.finetune.data.Split}); decoding, resizing and preprocessing one image with TensorFlow ops
 * ({@link org.finetune.data.ImageDecoder}, {@link org.finetune.data.Preprocessing}); and assembling
 * shuffled batches on worker threads ({@link org.finetune.data.BatchStream}). Depends on nothing
 * else in the project but {@code error}.
 */
package org.finetune.data;
