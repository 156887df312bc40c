/**
 * The library's single documented error type, {@link org.finetune.error.FineTuneException}, and
 * the exit codes its kinds map to. Every package may throw it; it depends on nothing.
 */
package org.finetune.error;
