/**
 * The new head put on top of the base: its configuration ({@link org.finetune.head.HeadConfig}:
 * pooling, hidden layers ({@link org.finetune.head.HeadLayer}: dense, dropout, batch norm), L2 and
 * label smoothing; read from a JSON or one-line spec by {@link org.finetune.head.HeadSpec}) and its
 * construction with TF Java ops ({@link org.finetune.head.Head}): a training path (dropout, batch
 * statistics and their moving-average updates) and an inference path sharing the variables, with
 * Keras' initialisers, ending in softmax or sigmoid ({@link org.finetune.head.OutputActivation}).
 * Depends only on {@code error}.
 */
package org.finetune.head;
