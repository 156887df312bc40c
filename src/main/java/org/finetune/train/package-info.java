/**
 * Training: the graph that joins the rebuilt base and the head under categorical cross-entropy
 * and Adam over an explicit variable list ({@code TrainingGraph}, {@code KerasAdam}), the Keras
 * {@code fit}-style loop ({@link org.finetune.train.Trainer}), its configuration ({@link
 * org.finetune.train.TrainingConfig}), and what it reports ({@link org.finetune.train.History},
 * {@link org.finetune.train.TrainingListener}). Depends on {@code model}, {@code head} and {@code data}.
 */
package org.finetune.train;
