/**
 * Loading a Keras-exported SavedModel and rebuilding it as a plain, trainable TensorFlow graph.
 *
 * <p>Owns: reading and checking {@code saved_model.pb} ({@link org.finetune.model.SavedModelFile}),
 * inlining the serving function into a {@code GraphDef} with {@code VariableV2} weights
 * ({@code FunctionInliner}), reading the weights from the checkpoint, recovering the Keras layers
 * ({@link org.finetune.model.LayerInfo}), and moving weights in and out of sessions
 * ({@link org.finetune.model.WeightLoader}). The result is a {@link org.finetune.model.BaseNetwork}.
 * Depends on nothing else in the project but {@code error}.
 */
package org.finetune.model;
