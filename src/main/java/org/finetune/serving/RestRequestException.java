package org.finetune.serving;

import org.finetune.error.FineTuneException;

/**
 * A request TF Serving would refuse, or one that failed while running: {@link #servingError()} is
 * the message TF Serving would put in its {@code {"error": ...}} body, {@link #getMessage()} one
 * line for people naming what was wrong.
 */
public final class RestRequestException extends FineTuneException {

  private final String servingError;

  RestRequestException(Kind kind, String summary, String servingError) {
    super(kind, summary);
    this.servingError = servingError;
  }

  /** The text of TF Serving's {@code error} field for this request. */
  public String servingError() {
    return servingError;
  }

  /** The whole response body TF Serving would send: {@code {"error": "..."}}. */
  public String responseBody() {
    return RestResponse.error(servingError);
  }
}
