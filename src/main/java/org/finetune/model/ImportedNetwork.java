package org.finetune.model;

import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.types.TFloat32;

/**
 * A {@link BaseNetwork} imported into one graph: its input placeholder, and the output a head
 * attaches to. The variables keep their op names ({@link ModelVariable#opName()}).
 */
public record ImportedNetwork(BaseNetwork network, Graph graph, Output<TFloat32> input, Output<TFloat32> output) {}
