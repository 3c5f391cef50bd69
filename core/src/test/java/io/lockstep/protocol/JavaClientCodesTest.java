package io.lockstep.protocol;

import io.lockstep.client.CloseCode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The Java client (clients/java) knows every error code and every error's close code this server can send. */
class JavaClientCodesTest {

  @Test
  void everyServerErrorCodeHasItsClientCodeAndEveryCloseAfterAnErrorIsDocumented() {
    for (ErrorCode code : ErrorCode.values()) {
      io.lockstep.client.ErrorCode client = io.lockstep.client.ErrorCode.of(code.wire());
      assertNotEquals(io.lockstep.client.ErrorCode.UNKNOWN, client, code.wire() + " is unknown to the Java client");
      assertEquals(code.wire(), client.wire());
      if (code.closeCode() != 0) {
        assertNotNull(CloseCode.of(code.closeCode()), "close code " + code.closeCode() + " is unknown to the Java client");
      }
    }
  }
}
