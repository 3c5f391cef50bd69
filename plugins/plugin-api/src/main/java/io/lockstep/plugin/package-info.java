/**
 * Lockstep's plugin API: everything a plugin compiles against. A plugin implements
 * {@link io.lockstep.plugin.LockstepPlugin} (found with {@code ServiceLoader}; its Javadoc gives the
 * lifecycle), reads its configuration with {@link io.lockstep.plugin.ConfigTree} and deploys
 * verticles that serve one of the {@link io.lockstep.plugin.Contract}s over the event bus, with JSON
 * bodies:
 * <ul>
 *   <li>a conflict policy extends {@link io.lockstep.plugin.ConflictPolicyVerticle}: a
 *   {@link io.lockstep.plugin.ConflictRequest} in, a {@link io.lockstep.plugin.ConflictDecision} out;</li>
 *   <li>a push provider extends {@link io.lockstep.plugin.PushProviderVerticle}: a
 *   {@link io.lockstep.plugin.PushRequest} in, a {@link io.lockstep.plugin.PushReply} out;</li>
 *   <li>an extension is any verticle, typically listening to {@link io.lockstep.plugin.ServerEvents}.</li>
 * </ul>
 * The server provides this API and Vert.x at run time: depend on both with scope {@code provided}
 * (lockstep-bom does). docs/plugins.md has the rest: building, configuring, testing with
 * {@code lockstep-plugin-testkit} and deploying.
 */
package io.lockstep.plugin;
