package io.lockstep.testkit;

import io.vertx.core.json.JsonObject;

/**
 * The answer of the server API ({@code /v1/server/...}) to one request.
 *
 * @param status the HTTP status
 * @param body the JSON body; an error has {@code code} and {@code message}. Null when the body was empty
 *     or not a JSON object.
 */
public record ApiResponse(int status, JsonObject body) {
}
