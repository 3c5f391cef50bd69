package io.lockstep.connection;

import io.lockstep.protocol.ErrorCode;
import io.lockstep.protocol.LockstepException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A client frame's errors come in a fixed order, and each later one can name the request's id. */
class ClientFrameTest {

  @Test
  void sizeIsMeasuredInUtf8Bytes() {
    assertFalse(ClientFrame.tooLarge("a".repeat(100), 100));
    assertTrue(ClientFrame.tooLarge("a".repeat(101), 100));
    assertTrue(ClientFrame.tooLarge("\u00e9".repeat(60), 100), "120 bytes in 60 characters");
    assertFalse(ClientFrame.tooLarge("\u00e9".repeat(50), 100));
  }

  @Test
  void malformedJsonAndIdsFailWithoutAnIdToAnswer() {
    assertEquals(ErrorCode.BAD_FRAME, code(() -> ClientFrame.parse("{nope")));
    assertEquals(ErrorCode.BAD_FRAME, code(() -> ClientFrame.parse("[1]")));
    LockstepException badId = assertThrows(LockstepException.class, () -> ClientFrame.parse("{\"id\":{},\"type\":\"ping\"}"));
    assertEquals(ErrorCode.INVALID_FIELD, badId.code());
    assertTrue(badId.getMessage().contains("'id'"));
  }

  @Test
  void laterErrorsKeepTheIdAndNameTheField() {
    ClientFrame unstorable = ClientFrame.parse("{\"id\":7,\"type\":\"send\",\"body\":{\"text\":\"a\\u0000b\"}}");
    assertEquals(7, unstorable.id());
    LockstepException nul = assertThrows(LockstepException.class, unstorable::typed);
    assertTrue(nul.getMessage().contains("body.text"), nul.getMessage());
    assertEquals(ErrorCode.INVALID_FIELD, code(() -> ClientFrame.parse("{\"id\":\"x\"}").typed()));
    assertEquals(ErrorCode.UNKNOWN_TYPE, code(() -> ClientFrame.parse("{\"type\":\"teleport\"}").typed()));
    ClientFrame ping = ClientFrame.parse("{\"id\":\"p\",\"type\":\"ping\"}").typed();
    assertEquals("ping", ping.type());
    assertEquals("p", ping.id());
  }

  private static ErrorCode code(Runnable decode) {
    return assertThrows(LockstepException.class, decode::run).code();
  }
}
