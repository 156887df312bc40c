/**
 * Writing a fine-tuned model for TF Serving: the inference-only SavedModel with its {@code
 * serving_default} signature ({@link org.finetune.export.ModelExporter}), TF Serving's versioned
 * directory layout and atomic publication ({@link org.finetune.export.ExportLayout}), and the
 * {@code labels.txt} and {@code finetune.json} beside it ({@link org.finetune.export.ExportManifest}).
 * Depends on {@code model} and {@code head}.
 */
package org.finetune.export;
