package io.lockstep.perf.attack;

import io.lockstep.perf.Fleet;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The attackers of the hostile scenario, run in a JVM of their own so that their bursts of CPU and
 * garbage do not stall the normal devices' event loops in the load generator. Each attacks from
 * loopback addresses of its own (127.0.66.x), so the server's per-address limits see it apart from
 * the normal devices and from the harness. Its plan (JSON, see {@link AttackerProcess}) is its only
 * argument; it prints "attacking" once every attacker has started, attacks until it reads the line
 * "stop" (or its input ends), stops them and prints "fates {json}" (with how long the attack lasted).
 */
public final class Attackers {

  public static final String BOMB_ADDRESS = "127.0.66.1";
  public static final String NON_READER_ADDRESS = "127.0.66.2";
  public static final String FLOODER_ADDRESS = "127.0.66.3";
  public static final String LOOPER_ADDRESS = "127.0.66.4";
  /** The guesser's addresses are 127.0.66.10 and up. */
  private static final int FIRST_GUESSER_HOST = 10;
  /** Where the operator signs in from once the guesser is done: an address that never failed. */
  public static final String CLEAN_OPERATOR_ADDRESS = "127.0.77.1";

  /** Every attacker, by the name a plan enables it with. */
  public static final List<String> ALL = List.of("bomb", "non_readers", "flooder", "looper", "guesser");

  private Attackers() {
  }

  public static void main(String[] args) throws Exception {
    JsonObject plan = new JsonObject(args[0]);
    int port = plan.getInteger("port");
    try (Fleet fleet = new Fleet(port)) {
      List<Attacker> attackers = attackers(plan, fleet);
      attackers.forEach(Attacker::start);
      long started = System.nanoTime();
      System.out.println("attacking");
      BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = input.readLine()) != null && !line.equals("stop")) {
        // attacking until told to stop
      }
      JsonObject fates = new JsonObject().put("attack_seconds", Math.round((System.nanoTime() - started) / 1e8) / 10.0);
      for (Attacker attacker : attackers) {
        attacker.stop();
        fates.put(attacker.name(), attacker.fate());
      }
      System.out.println("fates " + fates.encode());
    }
    System.exit(0);
  }

  private static List<Attacker> attackers(JsonObject plan, Fleet fleet) {
    int port = plan.getInteger("port");
    JsonArray enabled = plan.getJsonArray("attackers");
    List<Attacker> attackers = new ArrayList<>();
    if (enabled.contains("bomb")) {
      attackers.add(new CompressionBomb(BOMB_ADDRESS, port, plan.getInteger("bomb_mib")));
    }
    if (enabled.contains("non_readers")) {
      List<NonReaders.Identity> identities = new ArrayList<>();
      for (Object entry : plan.getJsonArray("non_readers")) {
        JsonObject device = (JsonObject) entry;
        identities.add(new NonReaders.Identity(device.getString("user_id"), fleet.token(device.getString("user_id")),
            device.getString("device_id"), device.getLong("cursor")));
      }
      attackers.add(new NonReaders(NON_READER_ADDRESS, port, plan.getInteger("sync_burst"), identities));
    }
    if (enabled.contains("flooder")) {
      JsonObject flood = plan.getJsonObject("flood");
      attackers.add(new Flooder(fleet.vertx(), port, FLOODER_ADDRESS, fleet.token(flood.getString("user_id")),
          flood.getString("conversation_id"), flood.getInteger("body_chars")));
    }
    if (enabled.contains("looper")) {
      attackers.add(new ConnectLooper(fleet.vertx(), port, LOOPER_ADDRESS, fleet.token(plan.getString("looper_user")),
          plan.getInteger("looper_loops")));
    }
    if (enabled.contains("guesser")) {
      List<String> addresses = new ArrayList<>();
      for (int i = 0; i < plan.getInteger("guesser_addresses"); i++) {
        addresses.add("127.0.66." + (FIRST_GUESSER_HOST + i));
      }
      attackers.add(new PasswordGuesser(fleet.vertx(), port, addresses, CLEAN_OPERATOR_ADDRESS,
          plan.getString("admin_user"), plan.getString("admin_password"), plan.getInteger("guesses_per_s")));
    }
    return attackers;
  }
}
