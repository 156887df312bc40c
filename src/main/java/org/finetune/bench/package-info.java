/**
 * The Java half of the side-by-side benchmark against Python Keras ({@code scripts/benchmark.py},
 * {@code docs/benchmarks.md}). Not part of the library's API and not a test: a small program,
 * {@link org.finetune.bench.Benchmark}, that uses the library the way a user would and prints one
 * JSON line of measurements per run, for the Python script to compare with Keras on the same
 * SavedModel, images and machine.
 *
 * <p>Tasks: {@code inference} (images/s through the frozen base, batch by batch from decoded
 * images in memory), {@code train-head} ({@link org.finetune.FineTuner#train} with the base
 * frozen, reading the images from disk), {@code train-top} (the same with the base's top layers
 * unfrozen: phase-2 steps per second), {@code pipeline} (the input pipeline alone, no model), {@code flops} (multiply-adds per image counted on the
 * rebuilt graph) and {@code matmul} (the fp32 matmul throughput TensorFlow reaches here).
 */
package org.finetune.bench;
