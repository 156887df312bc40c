/**
 * The new classification head put on top of the base: its configuration ({@link
 * org.finetune.head.HeadConfig}, {@link org.finetune.head.Pooling}) and its construction with TF
 * Java ops ({@link org.finetune.head.Head}): pooling, Dense + ReLU, Dropout (training only), Dense
 * + softmax, with Glorot-uniform kernels and zero biases. Depends only on {@code error}.
 */
package org.finetune.head;
