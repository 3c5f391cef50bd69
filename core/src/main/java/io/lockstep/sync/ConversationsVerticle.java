package io.lockstep.sync;

import io.lockstep.bus.BusService;
import io.lockstep.bus.ConversationCalls.AddMember;
import io.lockstep.bus.ConversationCalls.ConversationReply;
import io.lockstep.bus.ConversationCalls.CreateConversation;
import io.lockstep.bus.ConversationCalls.ListMembers;
import io.lockstep.bus.ConversationCalls.MembersReply;
import io.lockstep.bus.ConversationCalls.RemoveMember;
import io.lockstep.bus.Operation;
import io.lockstep.config.LockstepConfig;
import io.lockstep.metrics.LockstepMetrics;
import io.lockstep.presence.PresenceRegistry;
import io.lockstep.protocol.Fields;
import io.lockstep.store.ConversationStore;
import io.lockstep.store.ConversationStore.ConversationChange;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Conversations and their members: creates direct and group conversations and changes the members
 * of groups. Every change is a `conversation` event in the logs of the members it concerns (all of them,
 * or in a stream only those who joined or left and who changed it), delivered after it committed.
 */
public final class ConversationsVerticle extends VerticleBase {

  private final LockstepConfig config;
  private final Pool pool;
  private final PresenceRegistry presence;
  private final LockstepMetrics metrics;
  private ConversationStore conversations;
  private Delivery delivery;

  public ConversationsVerticle(LockstepConfig config, Pool pool, PresenceRegistry presence, LockstepMetrics metrics) {
    this.config = config;
    this.pool = pool;
    this.presence = presence;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    conversations = new ConversationStore(pool);
    delivery = new Delivery(vertx, presence, metrics);
    return Future.all(List.of(
        BusService.answer(vertx, metrics, Operation.CREATE_CONVERSATION, this::create),
        BusService.answer(vertx, metrics, Operation.ADD_MEMBER, this::addMember),
        BusService.answer(vertx, metrics, Operation.REMOVE_MEMBER, this::removeMember),
        BusService.answer(vertx, metrics, Operation.LIST_MEMBERS, this::members)));
  }

  /** The caller (a client) is always a member of what it creates; the server API names every member. */
  private Future<ConversationReply> create(CreateConversation request) {
    Set<String> members = new LinkedHashSet<>(request.members());
    if (request.caller().userId() != null) {
      members.add(request.caller().userId());
    }
    if (request.kind().equals("direct") && members.size() != 2) {
      throw Fields.invalid("members", "a direct conversation has exactly two distinct users");
    }
    if (members.isEmpty()) {
      throw Fields.invalid("members", "must name at least one user");
    }
    int max = config.conversations().maxGroupMembers();
    if (members.size() > max) {
      throw Fields.invalid("members", "a conversation has at most " + max + " members");
    }
    return conversations.create(request.kind(), new ArrayList<>(members), request.title(),
        config.conversations().streamThreshold()).map(this::committed);
  }

  private Future<ConversationReply> addMember(AddMember request) {
    return conversations.addMembers(request.caller().userId(), request.conversationId(), request.members(),
        config.conversations().maxGroupMembers(), config.conversations().streamThreshold()).map(this::committed);
  }

  private Future<MembersReply> members(ListMembers request) {
    return conversations.members(request.caller().userId(), request.conversationId(), request.after(), request.limit())
        .map(page -> new MembersReply(page.members(), page.hasMore(), page.memberCount()));
  }

  private Future<ConversationReply> removeMember(RemoveMember request) {
    return conversations.removeMember(request.caller().userId(), request.conversationId(), request.member())
        .map(this::committed);
  }

  private ConversationReply committed(ConversationChange change) {
    delivery.deliver(change.appended(), null, null);
    return new ConversationReply(change.conversation(), change.added());
  }
}
