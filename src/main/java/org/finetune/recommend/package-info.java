/**
 * Which transfer-learning strategy a task needs: {@link org.finetune.recommend.Recommender}
 * measures the data set's size ({@link org.finetune.recommend.DataSize}) and how much its images
 * resemble the data the base was trained on ({@link org.finetune.recommend.Similarity}: from the
 * base's BatchNormalization statistics, or from its features when it has none), classifies the
 * task into one of the reference tutorial's four cases, and returns the {@code train} command for
 * it ({@link org.finetune.recommend.Recommendation}). Depends on {@code model}, {@code data},
 * {@code train} and {@code error}.
 */
package org.finetune.recommend;
