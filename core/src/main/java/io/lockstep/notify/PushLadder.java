package io.lockstep.notify;

import io.lockstep.config.LockstepConfig.Routing;
import io.lockstep.store.PushStore.UserDevice;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Decides, for one recipient user and one message, which of their devices is pushed at which step of
 * the attention ladder: step 0 at once (after the coalescing window), step n after n × escalate_after,
 * each step only if the message is still unread by then.
 *
 * <ul>
 *   <li>A device focused right now (a live connection said so) holds every push back: the most recently
 *   attentive device that is not connected gets step 1, the others step 2.</li>
 *   <li>Without a focused device, the most recently attentive one gets step 0, the others step 1.</li>
 *   <li>No device ever said where the user's attention is (clients that do not send attention), or the
 *   user's routing is {@code all}: every device that is not connected gets step 0, as before the ladder.</li>
 * </ul>
 * Connected devices get nothing: they receive the message live.
 */
final class PushLadder {

  private PushLadder() {
  }

  /**
   * The devices to push at each step (index = step).
   *
   * @param devices the user's active devices
   * @param presence the connected ones among them, with the attention they declared
   */
  static List<List<UserDevice>> steps(List<UserDevice> devices, Map<String, JsonObject> presence, Routing routing) {
    boolean focused = presence.values().stream().anyMatch(live -> "focused".equals(live.getString("attention")));
    List<UserDevice> offline = devices.stream()
        .filter(device -> device.pushable() && !presence.containsKey(device.deviceId()))
        .sorted(Comparator.comparing(UserDevice::lastAttentive, Comparator.nullsLast(Comparator.reverseOrder()))
            .thenComparing(UserDevice::deviceId))
        .toList();
    List<List<UserDevice>> steps = new ArrayList<>(List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
    if (offline.isEmpty()) {
      return steps;
    }
    boolean attentionKnown = devices.stream().anyMatch(device -> device.lastAttentive() != null) || focused;
    if (routing == Routing.ALL || !attentionKnown) {
      steps.get(0).addAll(offline);
      return steps;
    }
    int first = focused ? 1 : 0;
    steps.get(first).add(offline.get(0));
    steps.get(first + 1).addAll(offline.subList(1, offline.size()));
    return steps;
  }
}
