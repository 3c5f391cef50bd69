package com.example.myplugin;

import io.lockstep.plugin.ConflictDecision;
import io.lockstep.plugin.ConflictPolicyVerticle;
import io.lockstep.plugin.ConflictRequest;
import io.vertx.core.json.JsonObject;

/**
 * The {@code field-merge} conflict policy, for settings whose value is an object of fields (a profile
 * card, say): a write changes only the fields it names, a field written as null is removed, so two
 * devices editing different fields at once keep both edits.
 */
// snippet:begin policy
public final class FieldMerge extends ConflictPolicyVerticle {

  static final String NAME = "field-merge";

  @Override
  protected String policy() {
    return NAME;
  }

  @Override
  protected ConflictDecision decide(ConflictRequest request) {
    if (!(request.incoming().value() instanceof JsonObject fields)) {
      // the writer gets invalid_field: "field 'value' must be an object of fields"
      throw new IllegalArgumentException("must be an object of fields");
    }
    ConflictRequest.Stored stored = request.stored();
    JsonObject merged = stored != null && stored.value() instanceof JsonObject current ? current.copy() : new JsonObject();
    fields.forEach(field -> {
      if (field.getValue() == null) {
        merged.remove(field.getKey());
      } else {
        merged.put(field.getKey(), field.getValue());
      }
    });
    return ConflictDecision.merge(merged);
  }
}
// snippet:end
