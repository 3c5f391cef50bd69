package io.lockstep.bus;

/**
 * A typed request on the event bus: names the {@link Operation} that answers it and, through its
 * type parameter, the reply it gets. Requests and replies travel by reference between verticles of
 * one node ({@link LocalCodec}).
 */
public interface BusRequest<R extends BusReply> {

  Operation operation();
}
