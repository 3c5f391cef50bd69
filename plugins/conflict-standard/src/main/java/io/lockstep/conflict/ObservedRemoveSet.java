package io.lockstep.conflict;

import io.lockstep.plugin.ConflictDecision;
import io.lockstep.plugin.ConflictPolicyVerticle;
import io.lockstep.plugin.ConflictRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.TreeMap;
import java.util.TreeSet;

/**
 * union: a set edited with operations, {"add": [...], "remove": [...]}, that converges whatever the
 * order of the writes (an observed-remove set). Each add is tagged with the version it creates; a
 * remove takes away only the tags its writer had seen (those at or below its base_version, or all
 * current ones without it). So a device that was offline and removed "c1" cannot undo an add of
 * "c1" made elsewhere that it never saw. The value is the sorted array of elements; the tags are
 * kept as the policy's state: {"c1": [4, 7], ...}.
 */
public final class ObservedRemoveSet extends ConflictPolicyVerticle {

  static final String NAME = "union";

  @Override
  protected String policy() {
    return NAME;
  }

  @Override
  protected ConflictDecision decide(ConflictRequest request) {
    if (!(request.incoming().value() instanceof JsonObject operations)
        || !(operations.getValue("add", new JsonArray()) instanceof JsonArray adds)
        || !(operations.getValue("remove", new JsonArray()) instanceof JsonArray removes)) {
      throw new IllegalArgumentException("must be set operations {\"add\": [...], \"remove\": [...]} for key " + request.key());
    }
    ConflictRequest.Stored stored = request.stored();
    long current = stored == null ? 0 : stored.version();
    TreeMap<String, TreeSet<Long>> tags = readTags(stored == null ? null : stored.state());
    long observed = request.incoming().baseVersion() == null ? current : request.incoming().baseVersion();
    for (Object element : removes) {
      TreeSet<Long> elementTags = tags.get(String.valueOf(element));
      if (elementTags != null) {
        elementTags.removeIf(tag -> tag <= observed);
        if (elementTags.isEmpty()) {
          tags.remove(String.valueOf(element));
        }
      }
    }
    for (Object element : adds) {
      tags.computeIfAbsent(String.valueOf(element), key -> new TreeSet<>()).add(current + 1);
    }
    JsonObject state = new JsonObject();
    tags.forEach((element, elementTags) -> state.put(element, new JsonArray(new java.util.ArrayList<>(elementTags))));
    return ConflictDecision.merge(new JsonArray(new java.util.ArrayList<>(tags.keySet())), state);
  }

  private static TreeMap<String, TreeSet<Long>> readTags(Object state) {
    TreeMap<String, TreeSet<Long>> tags = new TreeMap<>();
    if (state instanceof JsonObject stored) {
      for (String element : stored.fieldNames()) {
        TreeSet<Long> elementTags = new TreeSet<>();
        stored.getJsonArray(element).forEach(tag -> elementTags.add(((Number) tag).longValue()));
        tags.put(element, elementTags);
      }
    }
    return tags;
  }
}
