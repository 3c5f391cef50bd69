package io.lockstep.perf;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A child process of the connections scenario: opens its share of idle device connections (a process
 * may hold only as many sockets as its open-files limit allows), pings like the fleet, reports
 * "connected OK FAILED", and on the line "count" from its parent reports "held N"; it closes every
 * connection and exits when its input ends.
 * Arguments: server port, connections, device-id prefix, index offset.
 */
public final class ConnectionHolder {

  private ConnectionHolder() {
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int count = Integer.parseInt(args[1]);
    String prefix = args[2];
    int offset = Integer.parseInt(args[3]);
    try (Fleet fleet = new Fleet(port)) {
      List<Device> devices = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        devices.add(new Device(prefix + "-c" + ((offset + i) / 2), offset + i));
      }
      AtomicLong failed = new AtomicLong();
      Fleet.inBatches(devices, 250, device -> device.connect(fleet, new JsonObject()).recover(failure -> {
        failed.incrementAndGet();
        return Future.succeededFuture();
      }));
      System.out.println("connected " + (count - failed.get()) + " " + failed.get());
      BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = input.readLine()) != null) {
        if (line.equals("count")) {
          System.out.println("held " + devices.stream().filter(Device::isOpen).count());
        }
      }
      Fleet.closeAll(devices);
    }
  }
}
