/**
 * Training: the graph that joins the rebuilt base and the head under a loss ({@code Objective}:
 * categorical cross-entropy, or binary cross-entropy for multi-label {@link
 * org.finetune.train.LabelTask}s) and Adam over an explicit variable list ({@code TrainingGraph},
 * {@code KerasAdam}), the Keras {@code fit}-style loop ({@link org.finetune.train.Trainer}), its
 * configuration ({@link org.finetune.train.TrainingConfig}, strategies, {@link
 * org.finetune.train.Callbacks}: early stopping, the best epoch, learning-rate schedules, class
 * weights, run by {@code CallbackRunner}), checkpoints for {@code --resume}, and what it reports
 * ({@link org.finetune.train.History}, {@link org.finetune.train.TrainingListener}). Depends on
 * {@code model}, {@code head}, {@code data} and {@code cache}.
 */
package org.finetune.train;
