package org.finetune.data;

import org.finetune.error.FineTuneException;

/**
 * An image that cannot be used: unreadable, corrupt, of an unsupported format, or declaring more
 * pixels than the decoder accepts. Batching skips such images unless told to be strict.
 */
public final class UnreadableImageException extends FineTuneException {

  private static final long serialVersionUID = 1L;

  private final String location;
  private final String reason;

  public UnreadableImageException(String location, String reason) {
    super(Kind.BAD_DATA, "cannot use image " + location + ": " + reason);
    this.location = location;
    this.reason = reason;
  }

  /** The file path or archive entry of the image. */
  public String location() {
    return location;
  }

  /** Why, in one line: the decoder's own words where it had them. */
  public String reason() {
    return reason;
  }
}
