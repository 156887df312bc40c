package org.finetune.train;

import org.tensorflow.proto.ConfigProto;

/** The TensorFlow thread settings of the product's training and inference sessions. */
public final class SessionThreads {

  private SessionThreads() {}

  /**
   * Intra-op threads (the parallelism inside one convolution or matmul): all cores unless told
   * otherwise. Inter-op threads: two, since these graphs are chains of large ops, and more would
   * only compete with the image-decoding workers.
   *
   * @param threads intra-op threads; 0 for every core
   */
  public static ConfigProto config(int threads) {
    int intra = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    return ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(intra)
        .setInterOpParallelismThreads(Math.min(2, intra))
        .build();
  }
}
