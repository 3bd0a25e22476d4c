package dev.junction.translators.model;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An OpenAI {@code POST /v1/images/generations} request (wire-formats §1.9), decoded once and
 * translated afresh for each attempt. {@code raw} is the client's JSON object: the OpenAI-shaped
 * vendors receive it with the model replaced, so a field Junction does not know still reaches them.
 *
 * @param responseFormat what the client wants back: {@code b64_json} or {@code url}; null when it
 *                       did not say (then {@code b64_json}, the GPT image models' default: a
 *                       Junction URL is only handed out when asked for)
 */
public record ImagesRequest(String model, String prompt, int n, String size, String quality, String responseFormat,
                            String outputFormat, String style, String background, String user, ObjectNode raw) {

    public boolean wantsUrl() {
        return "url".equals(responseFormat);
    }
}
