/**
 * TF Serving's REST predict API in Java: {@link org.finetune.serving.RestPredictor} takes a request
 * body ({@code {"instances": [...]}} or {@code {"inputs": ...}}), runs it through the loaded
 * export's signature and answers with the JSON TF Serving would return ({@code predictions},
 * {@code outputs} or {@code error}), following the rules of TF Serving's {@code json_tensor.cc}:
 * rapidjson's value types and {@code NaN}/{@code Infinity} (read with Jackson), the row and
 * columnar formats, {@code {"b64": ...}} strings, and floats printed and laid out as TF Serving
 * prints them (written with Jackson).
 */
package org.finetune.serving;
