/**
 * Labelled images in, model-ready batches out, exactly as Keras' {@code
 * image_dataset_from_directory} followed by {@code preprocess_input} would produce them.
 *
 * <p>Owns:
 *
 * <ul>
 *   <li>reading a data set laid out one sub-folder per class, from a folder (images read lazily)
 *       or straight out of a {@code .tar.gz}/{@code .tgz}/{@code .tar}/{@code .zip} archive,
 *       recognised by content and held in memory, never extracted ({@link
 *       org.finetune.data.Dataset}, {@link org.finetune.data.ImageEntry});
 *   <li>the deterministic train/validation split by path hash ({@link org.finetune.data.Split});
 *   <li>the preprocessing modes and model families ({@link org.finetune.data.Preprocessing},
 *       {@link org.finetune.data.ModelFamily});
 *   <li>decoding, resizing and preprocessing one image with TensorFlow ops, refusing oversized
 *       and unreadable images ({@link org.finetune.data.ImageDecoder}, {@link
 *       org.finetune.data.UnreadableImageException});
 *   <li>shuffled batches decoded ahead on worker threads ({@link org.finetune.data.BatchStream},
 *       {@link org.finetune.data.Batch}).
 * </ul>
 *
 * <p>User-fixable problems are {@link org.finetune.error.FineTuneException}s (BAD_DATA for the
 * data, BAD_OPTION for settings) with one-line messages. Depends on nothing else in the project
 * but {@code error}.
 */
package org.finetune.data;
