/**
 * The library facade: {@link org.finetune.FineTuner} (inspect, train, run = train + export,
 * recommend, evaluate an export),
 * {@link org.finetune.FineTuneRequest} (what to do), {@link org.finetune.TrainedModel} and
 * {@link org.finetune.FineTuneResult} (what came out), and {@link org.finetune.Predictor} (serve
 * an export from Java). The command line in {@code cli} is a thin layer over it.
 */
package org.finetune;
