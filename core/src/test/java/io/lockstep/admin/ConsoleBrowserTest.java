package io.lockstep.admin;

import io.lockstep.test.Eventually;
import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The console in a real headless Chromium (Debian's chromium and chromedriver, driven by Selenium), as
 * an operator uses it during an incident: charts that show the past as soon as a page opens, a lagging
 * device that turns into a warning and back, a device disconnected (it comes back) next to one revoked
 * (behind a confirmation that names it), a connection found by the start of its id, and every view
 * readable. The tests run in order on one node, each leaving what the next may see; screenshots of
 * every view go to target/screenshots. Without Chromium the class is skipped, saying so in one line.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");
  private static final int LAG_THRESHOLD = 3;

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("admin", new JsonObject().put("username", "ops").put("password", AdminApiTest.PASSWORD)
          .put("sample_interval", "500ms").put("history", "1h")
          .put("thresholds", new JsonObject().put("device_lag", LAG_THRESHOLD))));

  private static WebDriver browser;
  private static WebDriverWait wait;

  @BeforeAll
  static void openBrowser() throws IOException {
    boolean available = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    if (!available) {
      System.out.println("ConsoleBrowserTest skipped: no Chromium at " + CHROMIUM + " with " + CHROMEDRIVER
          + " (apt-get install chromium chromium-driver; .ci/run installs them)");
    }
    assumeTrue(available, "no Chromium at " + CHROMIUM + " with " + CHROMEDRIVER);
    Files.createDirectories(SCREENSHOTS);
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments("--headless=new",
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1500,1100",
        "--user-data-dir=" + Files.createTempDirectory("chromium").toAbsolutePath());
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    browser = new ChromeDriver(service, options);
    wait = new WebDriverWait(browser, Duration.ofSeconds(15));
    wait.ignoring(StaleElementReferenceException.class);
  }

  @AfterAll
  static void closeBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  @Test
  @Order(1)
  void anUnauthenticatedVisitIsSentToSignIn() {
    browser.manage().deleteAllCookies();
    browser.get(url("/admin/#/users"));
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-form")));
    assertTrue(browser.getCurrentUrl().endsWith("#/signin"), browser.getCurrentUrl());
    screenshot("01-sign-in");
  }

  @Test
  @Order(2)
  void theChartsShowThePastAsSoonAsAPageOpens() {
    Eventually.pause(NODE.vertx(), Duration.ofSeconds(3));
    long opened = System.currentTimeMillis();
    signIn();
    WebElement rate = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#chart-rate[data-points]")));
    assertTrue(Long.parseLong(rate.getAttribute("data-from")) < opened - 1500,
        "the first point is from before the page opened: " + rate.getAttribute("data-from") + " vs " + opened);
    assertTrue(Integer.parseInt(rate.getAttribute("data-points")) >= 4, rate.getAttribute("data-points"));
    for (WebElement legend : browser.findElements(By.cssSelector(".u-legend"))) {
      assertFalse(legend.getText().contains("--"), "legends show the newest values: " + legend.getText());
    }
    assertTrue(browser.findElement(By.cssSelector(".u-legend")).getText().matches("(?s).*\\d\\d:\\d\\d:\\d\\d \\S+.*"),
        "the legend's time has its zone: " + browser.findElement(By.cssSelector(".u-legend")).getText());
    int before = Integer.parseInt(rate.getAttribute("data-points"));
    wait.until(driver -> Integer.parseInt(driver.findElement(By.id("chart-rate")).getAttribute("data-points")) > before);
    screenshot("02-overview");

    browser.findElement(By.cssSelector("[data-range='60']")).click();
    wait.until(ExpectedConditions.urlContains("range=60"));
    wait.until(ExpectedConditions.attributeToBe(By.cssSelector("[data-range='60']"), "aria-pressed", "true"));
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#chart-rate[data-points]")));
    screenshot("03-overview-last-hour");

    browser.findElement(By.linkText("Nodes")).click();
    By nodeRow = By.cssSelector("[data-node='" + NODE.server().nodeId() + "']");
    wait.until(ExpectedConditions.visibilityOfElementLocated(nodeRow));
    // the page redraws its rows as figures arrive: the read finds the row afresh
    String row = read(driver -> driver.findElement(nodeRow).getText());
    assertTrue(row.contains(io.lockstep.ops.BuildInfo.version()), "the node's version: " + row);
    assertTrue(row.contains("MiB") && row.contains(" ms") && row.contains("%"), "heap, event-loop lag, CPU: " + row);
    String heapFrom = read(driver -> driver.findElement(By.cssSelector("#chart-heap[data-points]")).getAttribute("data-from"));
    assertTrue(Long.parseLong(heapFrom) < opened - 1500, "the node charts have history too");
    screenshot("04-nodes");
  }

  @Test
  @Order(3)
  void aLaggingDeviceIsAWarningUntilItAcksAndSyncHealthTellsOnlineFromOffline() {
    String conversation = NODE.group("ivy", "jon");
    TestDevice phone = NODE.device("ivy");
    TestDevice laptop = NODE.device("ivy");
    phone.connectAndSync(new JsonObject().put("device_name", "ivy's phone"));
    laptop.connectAndSync(new JsonObject().put("device_name", "ivy's laptop"));
    laptop.disconnect();
    TestDevice jon = NODE.device("jon");
    jon.connectAndSync();
    for (int i = 0; i < LAG_THRESHOLD + 2; i++) {
      jon.sendMessage(conversation, "j-" + i, "message " + i);
    }
    JsonObject last = phone.awaitFrame(f -> "message".equals(f.getString("kind"))
        && f.getJsonObject("data").getLong("conv_seq") == LAG_THRESHOLD + 2);
    JsonObject jonsLast = jon.awaitFrame(f -> "message".equals(f.getString("kind"))
        && f.getJsonObject("data").getLong("conv_seq") == LAG_THRESHOLD + 2);
    jon.request(new JsonObject().put("type", "ack").put("up_to", jonsLast.getLong("seq")));

    signIn();
    // The overview counts lagging devices at most once per sample interval: it may count jon, not yet acked, at first.
    String warning = read(driver -> {
      String text = driver.findElement(By.cssSelector("[data-warning='device_lag']")).getText();
      return text.contains("more than 3 events behind") && !text.contains("3 devices") ? text : null;
    });
    assertTrue(warning.contains("2 devices are more than 3 events behind"), warning);
    screenshot("05-overview-warning");

    click(By.cssSelector("[data-warning='device_lag'] a"));
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#lag-chart .uplot")));
    assertEquals(1, (int) read(driver -> healthRow(phone.deviceId())
        .findElements(By.cssSelector("[data-state='online-not-acking']")).size()), "the phone is online but not acking");
    assertEquals("warning", read(driver -> healthRow(phone.deviceId()).findElement(By.cssSelector("[data-lag] [data-level]"))
        .getAttribute("data-level")));
    assertEquals(1, (int) read(driver -> healthRow(laptop.deviceId())
        .findElements(By.cssSelector("[data-state='offline-behind']")).size()), "the laptop is offline and behind");
    String phoneRow = read(driver -> healthRow(phone.deviceId()).getText());
    assertTrue(phoneRow.contains("ivy's phone"), "devices by name: " + phoneRow);
    screenshot("06-sync-health");

    phone.request(new JsonObject().put("type", "ack").put("up_to", last.getLong("seq")));
    laptop.connectAndSync();
    laptop.request(new JsonObject().put("type", "ack").put("up_to", last.getLong("seq")));
    wait.until(driver -> healthRow(phone.deviceId()).findElements(By.cssSelector("[data-state='online']")).size() == 1);
    click(By.linkText("Overview"));
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("warnings")));
    wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("[data-warning='device_lag']")));
    screenshot("07-overview-warning-cleared");
  }

  @Test
  @Order(4)
  void aDisconnectedDeviceComesBackWhileARevokedOneIsGoneForGood() {
    String conversation = NODE.group("zara", "yves");
    TestDevice phone = NODE.device("zara");
    TestDevice laptop = NODE.device("zara");
    TestDevice tablet = NODE.device("zara");
    for (TestDevice device : List.of(phone, laptop, tablet)) {
      device.connectAndSync(new JsonObject().put("device_name", "zara's " + (device == phone ? "phone" : device == laptop ? "laptop" : "tablet")));
    }
    phone.request(new JsonObject().put("type", "settings.set").put("scope", "device")
        .put("key", "conversation." + conversation + ".muted").put("value", true));
    phone.request(new JsonObject().put("type", "settings.set").put("scope", "account")
        .put("key", "profile.display_name").put("value", "Zara"));
    TestDevice yves = NODE.device("yves");
    yves.connectAndSync();
    for (int i = 0; i < 6; i++) {
      yves.sendMessage(conversation, "y-" + i, "message " + i);
    }
    JsonObject last = phone.awaitFrame(f -> "message".equals(f.getString("kind")) && f.getJsonObject("data").getLong("conv_seq") == 6);
    phone.request(new JsonObject().put("type", "ack").put("up_to", last.getLong("seq")));

    signIn();
    browser.findElement(By.linkText("Users")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("user-query"))).sendKeys("zar");
    browser.findElement(By.cssSelector("#user-search button")).click();
    wait.until(ExpectedConditions.elementToBeClickable(By.linkText("zara")));
    screenshot("08-users");
    browser.findElement(By.linkText("zara")).click();
    wait.until(driver -> driver.findElements(By.cssSelector("[data-device-row='" + tablet.deviceId() + "']")).size() == 1);

    assertEquals("0", lagOf(phone.deviceId()), "the phone acked everything");
    assertTrue(Long.parseLong(lagOf(laptop.deviceId())) >= 6, "the laptop is behind by the six messages");
    assertEquals("warning", read(driver -> deviceRow(laptop.deviceId()).findElement(By.cssSelector("[data-lag] [data-level]"))
        .getAttribute("data-level")), "six events behind is past the threshold of three");
    String phoneText = read(driver -> deviceRow(phone.deviceId()).getText());
    assertTrue(phoneText.contains("online") && phoneText.contains("Muted · conversation"), "overrides in words: " + phoneText);
    assertFalse(phoneText.contains("{"), "no raw JSON: " + phoneText);
    assertTrue(phoneText.contains(phone.deviceId().substring(0, 8) + "…") && !phoneText.contains(phone.deviceId()),
        "the id is cut short: " + phoneText);
    String settings = read(driver -> driver.findElement(By.id("settings")).getText());
    assertTrue(settings.contains("Display name") && settings.contains("zara's phone"), "written by the phone, by name: " + settings);
    screenshot("09-user-devices");

    // with a CSRF token gone stale (as after a sleep past its validity) the console fetches the current one and retries
    String disconnectPhone = "#devices [data-device-row='" + phone.deviceId() + "'] [data-action='disconnect']";
    wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(disconnectPhone)));
    ((JavascriptExecutor) browser).executeScript("document.cookie = 'XSRF-TOKEN=stale; path=/admin';"
        + " document.querySelector(arguments[0]).click();", disconnectPhone);
    assertEquals(4010, phone.awaitClose(Duration.ofSeconds(3)), "disconnected by an operator");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "Disconnected zara's phone"));
    phone.connectAndSync();
    wait.until(driver -> deviceRow(phone.deviceId()).findElements(By.cssSelector("[data-online='true']")).size() == 1);
    screenshot("10-device-disconnected-and-back");

    click(By.cssSelector("#devices [data-device-row='" + tablet.deviceId() + "'] [data-action='revoke']"));
    WebElement dialog = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
    assertTrue(dialog.getText().contains("zara's tablet") && dialog.getText().contains(tablet.deviceId().substring(0, 8)),
        "the confirmation names the device: " + dialog.getText());
    assertEquals("Revoke zara's tablet", browser.findElement(By.id("confirm-ok")).getText());
    screenshot("11-revoke-confirmation");
    browser.findElement(By.id("confirm-cancel")).click();
    wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("confirm")));
    assertFalse(tablet.isClosed(), "cancelled: nothing happened");

    click(By.cssSelector("#devices [data-device-row='" + tablet.deviceId() + "'] [data-action='revoke']"));
    wait.until(ExpectedConditions.elementToBeClickable(By.id("confirm-ok"))).click();
    assertEquals(4003, tablet.awaitClose(Duration.ofSeconds(3)), "the revoked device's connection is closed");
    wait.until(driver -> deviceRow(tablet.deviceId()).getText().contains("revoked"));
    wait.until(driver -> deviceRow(tablet.deviceId()).findElements(By.cssSelector("[data-action]")).isEmpty());
    screenshot("12-device-revoked");

    browser.findElement(By.linkText("Audit log")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-audit='revoke_device']")));
    String revoked = read(driver -> driver.findElement(By.cssSelector("[data-audit='revoke_device']")).getText());
    assertTrue(revoked.contains("Revoked a device") && revoked.contains("zara's tablet"), revoked);
    String disconnected = read(driver -> driver.findElement(By.cssSelector("[data-audit='disconnect_device']")).getText());
    assertTrue(disconnected.contains("zara's phone") && disconnected.contains("connections"), "details as fields: " + disconnected);
    assertTrue(revoked.matches("(?s).*\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\S+.*"), "times with their zone: " + revoked);
    screenshot("13-audit-log");
  }

  @Test
  @Order(5)
  void anOperatorFindsAConnectionByTheStartOfItsIdAndDisconnectsAUser() {
    TestDevice watch = NODE.device("kim");
    TestDevice desktop = NODE.device("kim");
    watch.connectAndSync(new JsonObject().put("device_name", "kim's watch"));
    desktop.connectAndSync(new JsonObject().put("device_name", "kim's desktop"));

    signIn();
    browser.findElement(By.linkText("Connections")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("connection-query"))).sendKeys(watch.deviceId().substring(0, 8));
    browser.findElement(By.cssSelector("#connection-search button")).click();
    String row = read(driver -> driver.findElement(By.cssSelector("[data-device-row='" + watch.deviceId() + "']")).getText());
    assertTrue(row.contains("online") && row.contains(NODE.server().nodeId()), row);
    assertTrue(row.contains("kim's watch"), row);
    screenshot("14-connection-found");
    click(By.cssSelector("[data-device-row='" + watch.deviceId() + "'] [data-action='disconnect']"));
    assertEquals(4010, watch.awaitClose(Duration.ofSeconds(3)));
    assertFalse(desktop.isClosed(), "only the device found");

    WebElement query = browser.findElement(By.id("connection-query"));
    query.clear();
    query.sendKeys("kim");
    browser.findElement(By.cssSelector("#connection-search button")).click();
    wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("[data-action='disconnect-user']")));
    click(By.cssSelector("[data-action='disconnect-user']"));
    assertEquals(4010, desktop.awaitClose(Duration.ofSeconds(3)), "every device of the user");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "of kim"));
    screenshot("15-user-disconnected");
  }

  @Test
  @Order(6)
  void theOtherViewsReadInWords() {
    String conversation = NODE.group("lea", "max");
    TestDevice lea = NODE.device("lea");
    lea.connectAndSync(new JsonObject().put("device_name", "lea's phone"));
    lea.sendMessage(conversation, "l-1", "hello max");
    NODE.sql("INSERT INTO push_stats (provider, sent, retried, failed, pruned, last_sent_at, last_error, last_error_at)"
        + " VALUES ('apns', 41, 3, 1, 2, now(), 'HTTP 503 ServiceUnavailable', now())");
    NODE.sql("INSERT INTO push_outbox (user_id, device_id, provider, kind, conversation_id, due_at)"
        + " VALUES ('lea', $1, 'apns', 'message', $2, now() + interval '1 hour')", lea.deviceId(), conversation);

    signIn();
    browser.findElement(By.linkText("Conversations")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("conversation-query"))).sendKeys(conversation.substring(0, 8));
    browser.findElement(By.cssSelector("#conversation-search button")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#conversation-results table")));
    screenshot("16-conversations");
    click(By.cssSelector("#conversation-results a"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("view"), "hello max"));
    assertTrue(browser.findElement(By.id("view")).getText().contains("lea's phone"), "the sender's device by name");
    screenshot("17-conversation");

    browser.findElement(By.linkText("Push")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-outbox='apns']")));
    String apns = read(driver -> driver.findElement(By.xpath("//tr[td/code[text()='apns']]")).getText());
    assertTrue(apns.contains("41") && apns.contains("HTTP 503 ServiceUnavailable"), apns);
    assertEquals("1", read(driver -> driver.findElement(By.cssSelector("[data-outbox='apns']")).getText()), "one push waiting");
    screenshot("18-push-health");

    browser.findElement(By.linkText("Plugins")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("view"), "conflict-standard"));
    screenshot("19-plugins");
  }

  private static void signIn() {
    browser.get(url("/admin/#/overview"));
    wait.until(driver -> !driver.findElements(By.id("username")).isEmpty() || !driver.findElements(By.id("cards")).isEmpty());
    if (!browser.findElements(By.id("username")).isEmpty()) {
      browser.findElement(By.id("username")).sendKeys("ops");
      browser.findElement(By.id("password")).sendKeys(AdminApiTest.PASSWORD);
      browser.findElement(By.id("signin-button")).click();
    }
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("cards")));
  }

  /**
   * What a probe reads once the page holds still long enough to read it: views redraw themselves on a
   * timer, so an element found a moment ago may be gone (the wait ignores stale elements and retries).
   */
  private static <T> T read(java.util.function.Function<WebDriver, T> probe) {
    return wait.until(probe::apply);
  }

  private static void click(By target) {
    wait.until(driver -> {
      driver.findElement(target).click();
      return true;
    });
  }

  private static WebElement deviceRow(String deviceId) {
    return browser.findElement(By.cssSelector("#devices [data-device-row='" + deviceId + "']"));
  }

  private static WebElement healthRow(String deviceId) {
    return browser.findElement(By.cssSelector("[data-device-row='" + deviceId + "']"));
  }

  private static String lagOf(String deviceId) {
    return read(driver -> deviceRow(deviceId).findElement(By.cssSelector("[data-lag]")).getAttribute("data-lag"));
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + NODE.port() + path;
  }

  private static void screenshot(String name) {
    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    try {
      Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
