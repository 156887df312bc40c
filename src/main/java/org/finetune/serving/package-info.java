/**
 * TF Serving's REST predict API in Java: {@link org.finetune.serving.RestPredictor} takes a request
 * body ({@code {"instances": [...]}} or {@code {"inputs": ...}}), runs it through the loaded
 * export's signature and answers with the JSON TF Serving would return ({@code predictions},
 * {@code outputs} or {@code error}), following the rules of TF Serving's {@code json_tensor.cc}:
 * rapidjson's parser and error messages, the row and columnar formats, {@code {"b64": ...}}
 * strings, and floats printed as TF Serving prints them.
 */
package org.finetune.serving;
