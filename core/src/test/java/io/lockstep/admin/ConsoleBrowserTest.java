package io.lockstep.admin;

import io.lockstep.test.LockstepNode;
import io.lockstep.test.TestDevice;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
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
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The console in a real headless Chromium (Debian's chromium and chromedriver, driven by Selenium):
 * sign in, find a user whose three devices really connected, read their cursors and lag, revoke one
 * and see its connection closed and the table updated. Screenshots go to target/screenshots.
 * Without Chromium the test is skipped, saying so in one line.
 */
class ConsoleBrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");

  @RegisterExtension
  static final LockstepNode NODE = new LockstepNode(new JsonObject()
      .put("admin", new JsonObject().put("username", "ops").put("password", AdminApiTest.PASSWORD)));

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
        "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000",
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
  void anUnauthenticatedVisitIsSentToSignIn() {
    browser.manage().deleteAllCookies();
    browser.get(url("/admin/#/users"));
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-form")));
    assertTrue(browser.getCurrentUrl().endsWith("#/signin"), browser.getCurrentUrl());
    screenshot("01-sign-in");
  }

  @Test
  void anOperatorFindsAUsersDevicesSeesTheirLagAndRevokesOne() {
    String conversation = NODE.group("zara", "yves");
    TestDevice phone = NODE.device("zara");
    TestDevice laptop = NODE.device("zara");
    TestDevice tablet = NODE.device("zara");
    for (TestDevice device : List.of(phone, laptop, tablet)) {
      device.connectAndSync(new JsonObject().put("device_name", "zara's " + (device == phone ? "phone" : device == laptop ? "laptop" : "tablet")));
    }
    TestDevice yves = NODE.device("yves");
    yves.connectAndSync();
    for (int i = 0; i < 6; i++) {
      yves.sendMessage(conversation, "y-" + i, "message " + i);
    }
    JsonObject last = phone.awaitFrame(f -> "message".equals(f.getString("kind")) && f.getJsonObject("data").getLong("conv_seq") == 6);
    phone.request(new JsonObject().put("type", "ack").put("up_to", last.getLong("seq")));

    browser.manage().deleteAllCookies();
    browser.get(url("/admin/"));
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username"))).sendKeys("ops");
    browser.findElement(By.id("password")).sendKeys(AdminApiTest.PASSWORD);
    browser.findElement(By.id("signin-button")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nodes")));
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#chart-rate .uplot")));
    screenshot("02-overview");

    browser.findElement(By.linkText("Users")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("user-query"))).sendKeys("zar");
    browser.findElement(By.cssSelector("#user-search button")).click();
    wait.until(ExpectedConditions.elementToBeClickable(By.linkText("zara"))).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("devices"), tablet.deviceId()));
    screenshot("03-user-devices");

    assertEquals("0", lagOf(phone.deviceId()), "the phone acked everything");
    assertTrue(Long.parseLong(lagOf(laptop.deviceId())) >= 6, "the laptop is behind by the six messages");
    assertTrue(rowOf(phone.deviceId()).getText().contains("online"));

    rowOf(tablet.deviceId()).findElement(By.cssSelector("[data-revoke]")).click();
    wait.until(ExpectedConditions.alertIsPresent()).accept();
    assertEquals(4003, tablet.awaitClose(Duration.ofSeconds(2)), "the revoked device's connection is closed");
    wait.until(driver -> rowOf(tablet.deviceId()).getText().contains("revoked"));
    wait.until(driver -> rowOf(tablet.deviceId()).findElements(By.cssSelector("[data-revoke]")).isEmpty());
    screenshot("04-device-revoked");

    browser.findElement(By.linkText("Audit log")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("view"), "revoke_device"));
    screenshot("05-audit-log");
    browser.findElement(By.linkText("Sync health")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#lag-chart .uplot")));
    screenshot("06-sync-health");

    NODE.sql("INSERT INTO push_stats (provider, sent, retried, failed, pruned, last_sent_at, last_error, last_error_at)"
        + " VALUES ('apns', 41, 3, 1, 2, now(), 'HTTP 503 ServiceUnavailable', now())");
    NODE.sql("INSERT INTO push_outbox (user_id, device_id, provider, kind, conversation_id, due_at)"
        + " VALUES ('zara', $1, 'apns', 'message', $2, now() + interval '1 hour')", phone.deviceId(), conversation);
    browser.findElement(By.linkText("Push")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-outbox='apns']")));
    String apns = browser.findElement(By.xpath("//tr[td/code[text()='apns']]")).getText();
    assertTrue(apns.contains("41") && apns.contains("HTTP 503 ServiceUnavailable"), apns);
    assertEquals("1", browser.findElement(By.cssSelector("[data-outbox='apns']")).getText(), "one push waiting");
    screenshot("07-push-health");
  }

  private static WebElement rowOf(String deviceId) {
    return browser.findElement(By.xpath("//div[@id='devices']//tr[td/code[text()='" + deviceId + "']]"));
  }

  private static String lagOf(String deviceId) {
    return rowOf(deviceId).findElement(By.cssSelector("[data-lag]")).getAttribute("data-lag");
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
