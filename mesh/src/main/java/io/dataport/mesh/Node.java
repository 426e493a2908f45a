package io.dataport.mesh;

import io.dataport.queue.ClaimedRecord;
import io.dataport.queue.DataportException;
import io.dataport.queue.Doorbell;
import io.dataport.queue.Notifier;
import io.dataport.queue.Kicker;
import io.dataport.queue.PeerTimeoutException;
import io.dataport.queue.RecordHandler;
import io.dataport.queue.RecordView;
import io.dataport.queue.Region;
import io.dataport.queue.RegionException;
import io.dataport.queue.RegionGeometry;
import io.dataport.queue.RegionOptions;
import io.dataport.queue.RingConsumer;
import io.dataport.queue.RingProducer;
import io.dataport.queue.WaitStrategy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One node of a mesh: a process that shares a directory of regions with its peers, sends to any
 * of them and receives from all of them.
 *
 * <h2>Files</h2>
 * One region per pair of nodes: nodes {@code a < b} share {@code pair-a-b.region}, a
 * {@link Region} holding one ring per direction (ring 0: {@code a -> b}, ring 1: {@code b -> a};
 * {@link MeshConfig#regionGeometry}). Node {@code a} is the only producer of the ring to {@code b}
 * and the only consumer of the ring from {@code b}; node {@code b} sleeps on its notifier (with
 * {@link MeshConfig.Notify#SOCKET}, its doorbell {@code node-b.bell}). Each role is held by a lease in the region's shared memory, kept alive by
 * the library's keeper thread. See {@link MeshConfig#regionFile} and {@code docs/mesh.md}.
 *
 * <h2>Links from UIO devices</h2>
 * With {@link MeshConfig.Notify#UIO} (a guest of a seL4/CAmkES system) there are no files: the
 * region of nodes {@code a < b} is map 1 (the dataport) of the UIO device named {@code pair-a-b}
 * ({@link MeshConfig#uioDeviceName}, a cross-VM connection of {@code connection.ko}) in each of the
 * two guests; the receive thread sleeps on all its devices' nodes {@code /dev/uioN} with one
 * notifier, and a sender kicks its peer by a store at offset 0 of map 0 of the device they share.
 * {@link UioLinks} finds, checks, maps and unmaps them; the wake-up protocol is the same as with the
 * doorbell.
 *
 * <h2>Joining</h2>
 * {@link #join} binds the node's doorbell (socket notifier only), then for each peer creates the pair's region file if it
 * is missing (mode 0600, appearing under its name only once fully sized), opens it with the pair's
 * geometry (whichever of the two nodes comes first formats it; a formatted region is never
 * rewritten, so a live ring is never clobbered) and claims its two roles. A region of another mesh
 * (another tag) or with other sizes is refused with a message naming the file. Start order does not
 * matter: a sender connects to a receiver's doorbell as soon as the receiver has come.
 *
 * <h2>Restarting</h2>
 * A node that left cleanly released its leases: its next incarnation claims them at once. A node
 * that died (SIGKILL) left them held: its next incarnation watches each lease's heartbeat and takes
 * the role over once it stood still for the lease timeout ({@link MeshConfig#leaseTimeoutNanos}),
 * all roles at the same time, so a restart waits one timeout, not one per role. A role whose
 * heartbeat moves is held by a live process (the same node id running elsewhere): the join fails
 * with a message naming the ring and its holder.
 *
 * <h2>Sending</h2>
 * Every packet goes into its link's ring behind an 8-byte mesh header holding its sequence number
 * (see {@link Packet#seq()}). A full ring is back-pressure, never a silent drop:
 * {@link #trySend} returns false, {@link #send} waits (spinning, yielding, then parking up to 1 ms)
 * until the receiver makes room or the timeout ends. A packet is <em>committed</em> when the send
 * returns: it is published in the region and survives the death of either process. Sends are
 * thread-safe (one lock per link).
 *
 * <h2>Receiving</h2>
 * One thread calls {@link #poll} in a loop and {@link #idle} when it returned 0. A round takes up
 * to {@code batchLimit} packets from each inbound link in turn (starting one link further each
 * round), so a busy peer cannot starve another. When every inbound ring stays empty the node backs
 * off and then sleeps on its one notifier: it announces the sleep on every inbound ring, fences,
 * re-checks all of them, and sleeps only if all are still empty (the library's wake-up protocol,
 * {@code WaitStrategy.idle(RingConsumer[], long)}). With the socket notifier a sender that publishes
 * into a ring whose receiver announced a sleep rings its doorbell (a kick), otherwise the kick is
 * suppressed; with the polling notifier nobody kicks and the sleep ends by itself within
 * {@link io.dataport.queue.Notifier#DEFAULT_POLL_NANOS}. A sender waiting for room backs off
 * (spin, yield, park up to 1 ms; decision 0403): it polls, with either notifier.
 * The receiver acknowledges (publishes its ring position) once per batch, after its handler ran.
 */
public final class Node implements AutoCloseable {
    /** How often a sender retries connecting to a peer's doorbell that is not there yet. */
    private static final long KICKER_RETRY_NANOS = 1_000_000;

    private final MeshConfig config;
    private final int id;
    private final int holder;
    /** What the receive thread sleeps on: the node's doorbell, a polling notifier, or its UIO devices' nodes. */
    private final Notifier waiting;
    /** With {@link MeshConfig.Notify#UIO}: the devices whose dataports the regions are, and their notifiers; else null. */
    private final UioLinks uio;
    private final Region[] regions;
    private final Outbound[] outbound;
    private final Inbound[] inbound;
    private final Inbound[] inboundByPeer;
    private final RingConsumer[] group;
    private final WaitStrategy idleStrategy;
    private final Packet packet = new Packet();
    private final int batchLimit;
    private PacketHandler handler;
    private int nextStart;
    private volatile boolean closed;

    private Node(MeshConfig config, int id, int holder, Notifier waiting, UioLinks uio, Region[] regions,
                 Outbound[] outbound, Inbound[] inboundByPeer) {
        this.config = config;
        this.id = id;
        this.holder = holder;
        this.waiting = waiting;
        this.uio = uio;
        this.regions = regions;
        this.outbound = outbound;
        this.inboundByPeer = inboundByPeer;
        List<Inbound> links = new ArrayList<>();
        for (Inbound link : inboundByPeer) {
            if (link != null) {
                links.add(link);
            }
        }
        this.inbound = links.toArray(new Inbound[0]);
        this.group = new RingConsumer[inbound.length];
        for (int i = 0; i < inbound.length; i++) {
            inbound[i].node = this;
            group[i] = inbound[i].consumer;
        }
        this.idleStrategy = WaitStrategy.blocking(waiting);
        this.batchLimit = config.batchLimit();
    }

    /**
     * Joins the mesh as node {@code id}: checks the directory, binds the doorbell, creates (if
     * missing) and opens the node's {@code nodes - 1} pair regions and claims its
     * {@code 2 * (nodes - 1)} roles in them. With {@link MeshConfig.Notify#UIO} the directory is not
     * used: the regions are the dataports of the node's UIO devices, found, checked and mapped by
     * {@link UioLinks} (a missing device, or one too small or unaligned for the mesh's regions, is
     * refused naming it). Throws {@link MeshException} with a message naming the problem and the
     * file or device.
     */
    public static Node join(MeshConfig config, int id) {
        return join(config, id, UioLinks.CAMKES);
    }

    /**
     * {@link #join(MeshConfig, int)} with the UIO devices' events waited on and emitted as
     * {@code wiring} says (tests: stand-ins for the event part of {@code /dev/uioN}); used only with
     * {@link MeshConfig.Notify#UIO}.
     */
    static Node join(MeshConfig config, int id, UioLinks.Wiring wiring) {
        if (id < 0 || id >= config.nodes()) {
            throw new MeshException("unknown node id " + id + ": " + config.describe() + " has node ids 0 to "
                    + (config.nodes() - 1));
        }
        MeshConfig.Notify notify = config.notifier();
        if (notify != MeshConfig.Notify.UIO) {
            prepareDirectory(config, id);
        }
        RegionOptions options = config.regionOptions();
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            UioLinks uio = null;
            Notifier waiting;
            if (notify == MeshConfig.Notify.UIO) {
                uio = UioLinks.open(config, id, wiring);
                opened.add(uio); // closed last: it unmaps the memory every region and ring end below uses
                waiting = uio.waiting();
            } else {
                waiting = notify == MeshConfig.Notify.SOCKET ? bindDoorbell(config, id) : Notifier.polling();
                opened.add(waiting);
            }
            Region[] regions = new Region[config.nodes()];
            List<Claim> claims = new ArrayList<>();
            for (int peer = 0; peer < config.nodes(); peer++) {
                if (peer == id) {
                    continue;
                }
                Region region = uio != null ? wrapRegion(config, id, peer, options, uio)
                        : openRegion(config, id, peer, options);
                opened.add(region);
                regions[peer] = region;
                RegionGeometry geometry = region.geometry();
                claims.add(new Claim(region, peer, geometry.indexOf(id, peer), true));
                claims.add(new Claim(region, peer, geometry.indexOf(peer, id), false));
            }
            claimAll(config, id, claims, opened);
            Outbound[] outbound = new Outbound[config.nodes()];
            Inbound[] inbound = new Inbound[config.nodes()];
            for (Claim claim : claims) {
                if (claim.producer) {
                    outbound[claim.peer] = new Outbound(id, claim.peer, claim.where(), (RingProducer) claim.end,
                            notify == MeshConfig.Notify.SOCKET ? config.doorbellFile(claim.peer) : null,
                            claim.region, claim.index);
                } else {
                    inbound[claim.peer] = new Inbound(claim.peer, claim.where(), (RingConsumer) claim.end);
                }
            }
            for (Outbound link : outbound) {
                if (link == null) {
                    continue;
                }
                if (uio != null) {
                    link.wakePeerWith(uio.kicker(link.peer)); // owned and closed by uio
                } else {
                    link.connectKicker(System.nanoTime());
                    if (link.kicker != null) {
                        opened.add(link.kicker);
                    }
                }
            }
            return new Node(config, id, options.holder(), waiting, uio, regions, outbound, inbound);
        } catch (RuntimeException e) {
            for (int i = opened.size() - 1; i >= 0; i--) {
                closeQuietly(opened.get(i));
            }
            throw e;
        }
    }

    private static void prepareDirectory(MeshConfig config, int id) {
        Path dir = config.dir();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new MeshException("node " + id + ": the mesh directory " + dir
                    + " is not a directory (it is a file): give a directory for the mesh's region files");
        }
        if (!Files.exists(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (IOException e) {
                throw new MeshException("node " + id + ": cannot create the mesh directory " + dir + ": " + e, e);
            }
        }
        if (!Files.isReadable(dir) || !Files.isWritable(dir) || !Files.isExecutable(dir)) {
            throw new MeshException("node " + id + ": the mesh directory " + dir + " is not readable and writable by"
                    + " this process: check its permissions, or an immutable attribute (lsattr -d " + dir + ")");
        }
    }

    private static Doorbell bindDoorbell(MeshConfig config, int id) {
        Path path = config.doorbellFile(id);
        if (path.toAbsolutePath().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= 108) {
            throw new MeshException("node " + id + ": the doorbell path " + path + " is too long for a Unix-domain"
                    + " socket (at most 107 bytes): use a shorter mesh directory");
        }
        if (Files.exists(path)) {
            try {
                Kicker.connect(path).close();
                throw new MeshException("node " + id + " is already running in " + config.dir()
                        + ": a live process answers on its doorbell " + path + "; stop it first, or choose another node id");
            } catch (MeshException e) {
                throw e;
            } catch (DataportException stale) {
                // a doorbell left by a node that died: binding replaces it
            }
        }
        Doorbell doorbell;
        try {
            doorbell = Doorbell.bind(path);
        } catch (DataportException e) {
            throw new MeshException("node " + id + ": cannot bind its doorbell: " + e.getMessage(), e);
        }
        try {
            // like the regions: only this user's processes may ring it (connecting needs write permission)
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | UnsupportedOperationException e) {
            doorbell.close();
            throw new MeshException("node " + id + ": cannot make its doorbell " + path + " private: " + e, e);
        }
        return doorbell;
    }

    /** Creates the pair's region file if it is missing, then maps it with the pair's geometry. */
    private static Region openRegion(MeshConfig config, int id, int peer, RegionOptions options) {
        Path path = config.regionFile(id, peer);
        RegionGeometry geometry = config.regionGeometry(id, peer);
        try {
            Region.createFileIfAbsent(path, geometry.size());
            return Region.open(path, geometry, options);
        } catch (RegionException e) {
            throw explain(config, id, path, e);
        }
    }

    /** Wraps the pair's region in the dataport of the UIO device shared with {@code peer}. */
    private static Region wrapRegion(MeshConfig config, int id, int peer, RegionOptions options, UioLinks uio) {
        String name = uio.regionName(peer);
        try {
            return Region.wrap(uio.region(peer), name, config.regionGeometry(id, peer), options);
        } catch (RegionException e) {
            throw explain(config, id, name, probe -> Region.wrap(uio.formattedRegion(peer), name, null, probe),
                    "zero the dataport if the old mesh is gone (no node may be using it)", e);
        }
    }

    /** Turns the library's refusal of a region file into a message about the mesh. */
    private static MeshException explain(MeshConfig config, int id, Path path, RegionException e) {
        return explain(config, id, path.toString(), probe -> Region.open(path, null, probe),
                "remove the old mesh's files if it is gone", e);
    }

    /** Turns the library's refusal of a region ({@code path}: a file or a device's map) into a message about the mesh. */
    private static MeshException explain(MeshConfig config, int id, String path,
                                         java.util.function.Function<RegionOptions, Region> reopen, String clear,
                                         RegionException e) {
        // read the directory as it is (no geometry: nothing is formatted), giving up at once if it is not there
        RegionOptions probe = RegionOptions.lookOnly();
        try (Region other = reopen.apply(probe)) {
            RegionGeometry found = other.geometry();
            RegionGeometry.Ring ring = found.rings().get(0);
            if (found.tag() != config.tag()) {
                return new MeshException("node " + id + ": " + path + " belongs to another mesh: its tag is "
                        + Long.toHexString(found.tag()) + " but " + config.describe() + " has tag "
                        + Long.toHexString(config.tag()) + ". Every node of a mesh must use the same mesh name and"
                        + " node count; " + (config.notifier() == MeshConfig.Notify.UIO ? "" : "use another directory,"
                        + " or ") + clear, e);
            }
            if (ring.capacity() != config.ringCapacity()
                    || ring.maxRecordLength() != config.ringConfig().maxRecordLength()) {
                return new MeshException("node " + id + ": " + path + " has rings of " + ring.capacity()
                        + " bytes for packets up to " + (ring.maxRecordLength() - MeshConfig.HEADER_LENGTH)
                        + " bytes, but this node is configured for rings of " + config.ringCapacity()
                        + " bytes and packets up to " + config.maxPacketLength() + " bytes. Every node of a mesh must use"
                        + " the same sizes; use them, or " + clear, e);
            }
        } catch (DataportException unreadable) {
            // fall through: the library's own message says what is wrong with the region
        }
        return new MeshException("node " + id + ": cannot use " + e.getMessage(), e);
    }

    /** One role of this node in a pair's region, claimed by {@link #claimAll}. */
    private static final class Claim implements Runnable {
        final Region region;
        final int peer;
        final int index;
        final boolean producer;
        AutoCloseable end;
        Throwable failure;

        Claim(Region region, int peer, int index, boolean producer) {
            this.region = region;
            this.peer = peer;
            this.index = index;
            this.producer = producer;
        }

        @Override
        public void run() {
            try {
                end = producer ? region.attachProducer(index) : region.attachConsumer(index);
            } catch (RuntimeException | Error e) {
                failure = e;
            }
        }

        String where() {
            return "ring " + index + " of " + region;
        }
    }

    /**
     * Claims every role at the same time: a role left held by a dead incarnation of this node is
     * taken over after the lease timeout, and claiming them one after the other would wait that
     * long for each. Adds every end it got to {@code opened}; throws the first refusal.
     */
    private static void claimAll(MeshConfig config, int id, List<Claim> claims, List<AutoCloseable> opened) {
        List<Thread> threads = new ArrayList<>();
        for (int i = 1; i < claims.size(); i++) {
            Thread thread = new Thread(claims.get(i), "node-" + id + "-claim-" + i);
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
        claims.get(0).run();
        boolean interrupted = false;
        for (Thread thread : threads) {
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // a claim ends within the lease timeout: wait for it, then pass it on
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Claim refused = null;
        for (Claim claim : claims) {
            if (claim.end != null) {
                opened.add(claim.end);
            } else if (refused == null) {
                refused = claim;
            }
        }
        if (refused != null) {
            Throwable e = refused.failure;
            if (e instanceof RegionException) {
                throw new MeshException("node " + id + ": cannot attach as the " + (refused.producer ? "sender to"
                        : "receiver from") + " node " + refused.peer + ": " + e.getMessage()
                        + " (is node " + id + " running elsewhere, on another host or VM sharing " + config.dir()
                        + "?)", e);
            }
            if (e instanceof Error error) {
                throw error;
            }
            throw (RuntimeException) e;
        }
    }

    // ------------------------------------------------------------------------------------ sending

    /**
     * Sends {@code packet} (type 0) to {@code peer}, waiting for room up to the configured send
     * timeout. When it returns, the packet is committed.
     *
     * @throws PeerTimeoutException when the ring stayed full (the message says whether the peer is attached)
     */
    public void send(int peer, byte[] packet) {
        send(peer, 0, packet, 0, packet.length, config.sendTimeoutNanos());
    }

    /** Sends {@code src[offset, offset + length)} with record {@code type} ({@code >= 0}), waiting up to {@code timeoutNanos} for room. */
    public void send(int peer, int type, byte[] src, int offset, int length, long timeoutNanos) {
        java.util.Objects.checkFromIndexSize(offset, length, src.length);
        Outbound link = outbound(peer);
        checkLength(length);
        link.lock.lock();
        try {
            link.commit(claim(link, length, type, timeoutNanos), length, null, src, offset);
        } finally {
            link.lock.unlock();
        }
    }

    /** Zero-copy send: claims {@code length} bytes in the ring, lets {@code writer} fill them, commits. */
    public void send(int peer, int type, int length, PacketWriter writer, long timeoutNanos) {
        Outbound link = outbound(peer);
        checkLength(length);
        link.lock.lock();
        try {
            link.commit(claim(link, length, type, timeoutNanos), length, writer, null, 0);
        } finally {
            link.lock.unlock();
        }
    }

    /**
     * Sends without waiting: false when the ring is full (counted as a full event) or when another
     * thread is sending on this link right now. Nothing is dropped: the caller still has the packet.
     */
    public boolean trySend(int peer, int type, byte[] src, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, src.length);
        return trySend(peer, type, length, null, src, offset);
    }

    /** Zero-copy {@link #trySend(int, int, byte[], int, int)}. */
    public boolean trySend(int peer, int type, int length, PacketWriter writer) {
        return trySend(peer, type, length, writer, null, 0);
    }

    private boolean trySend(int peer, int type, int length, PacketWriter writer, byte[] src, int offset) {
        Outbound link = outbound(peer);
        checkLength(length);
        if (!link.lock.tryLock()) {
            return false;
        }
        try {
            if (link.kicker == null) {
                link.connectKicker(System.nanoTime());
            }
            ClaimedRecord record = link.producer.tryClaim(length + MeshConfig.HEADER_LENGTH, type);
            if (record == null) {
                link.fullEvents++;
                return false;
            }
            link.commit(record, length, writer, src, offset);
            return true;
        } finally {
            link.lock.unlock();
        }
    }

    private ClaimedRecord claim(Outbound link, int length, int type, long timeoutNanos) {
        if (link.kicker == null) {
            link.connectKicker(System.nanoTime());
        }
        ClaimedRecord record = link.producer.tryClaim(length + MeshConfig.HEADER_LENGTH, type);
        if (record != null) {
            return record;
        }
        link.fullEvents++;
        try {
            return link.producer.claim(length + MeshConfig.HEADER_LENGTH, type, link.backoff, timeoutNanos);
        } catch (PeerTimeoutException e) {
            throw new PeerTimeoutException("node " + id + " -> " + link.peer + " (" + link.ring + "): the link stayed full: "
                    + e.getMessage());
        }
    }

    private void checkLength(int length) {
        if (length < 0 || length > config.maxPacketLength()) {
            throw new IllegalArgumentException("packet length " + length + " is outside [0, "
                    + config.maxPacketLength() + "] (the mesh's max packet length)");
        }
    }

    private Outbound outbound(int peer) {
        checkOpen();
        if (peer < 0 || peer >= outbound.length || outbound[peer] == null) {
            throw new IllegalArgumentException("node " + id + " has no link to node " + peer + " (peers are 0 to "
                    + (config.nodes() - 1) + ", except itself)");
        }
        return outbound[peer];
    }

    // ---------------------------------------------------------------------------------- receiving

    /**
     * One fair round: takes up to {@code batchLimit} packets from each inbound link in turn,
     * handing each to {@code handler}, and acknowledges each link's batch after it. Returns the
     * number of packets handled (0 when every inbound ring was empty). One receiving thread only.
     */
    public int poll(PacketHandler handler) {
        checkOpen();
        this.handler = handler;
        int links = inbound.length;
        int start = nextStart;
        nextStart = start + 1 == links ? 0 : start + 1;
        int total = 0;
        try {
            for (int i = 0; i < links; i++) {
                Inbound link = inbound[start + i < links ? start + i : start + i - links];
                total += link.consumer.poll(link, batchLimit);
            }
        } finally {
            this.handler = null;
            packet.clear();
        }
        if (total > 0) {
            idleStrategy.reset();
        }
        return total;
    }

    /**
     * Call when {@link #poll} returned 0: one step of backing off (spin, yield, park), and after a
     * while a sleep on the doorbell (see the class comment) that lasts until a sender kicks it or
     * {@code maxNanos} pass. Also connects to peers' doorbells that appeared since.
     */
    public void idle(long maxNanos) {
        checkOpen();
        long now = System.nanoTime();
        for (Outbound link : outbound) {
            if (link != null && link.peerDoorbell != null && link.kicker == null && link.lock.tryLock()) {
                try {
                    link.connectKicker(now);
                } finally {
                    link.lock.unlock();
                }
            }
        }
        idleStrategy.idle(group, now + Math.max(0, Math.min(maxNanos, 3_600_000_000_000L)));
    }

    // ------------------------------------------------------------------------------------ queries

    public int id() {
        return id;
    }

    public MeshConfig config() {
        return config;
    }

    /** Counters of the link from this node to {@code peer}. */
    public LinkStats outboundStats(int peer) {
        Outbound link = outbound(peer);
        RingProducer p = link.producer;
        return new LinkStats(id, peer, link.packets, link.bytes, link.fullEvents, p.kicksSent(),
                p.kicksSuppressed(), p.kickFailures(), 0);
    }

    /** Counters of the link from {@code peer} to this node. */
    public LinkStats inboundStats(int peer) {
        checkOpen();
        if (peer < 0 || peer >= inboundByPeer.length || inboundByPeer[peer] == null) {
            throw new IllegalArgumentException("node " + id + " has no link from node " + peer);
        }
        Inbound link = inboundByPeer[peer];
        return new LinkStats(peer, id, link.packets, link.bytes, 0, 0, 0, 0, link.consumer.sleeps());
    }

    /**
     * This node's identity in the lease words of its roles: a role refused as "held by holder X"
     * names the process that holds it by this number (in hex).
     */
    public int holder() {
        return holder;
    }

    /**
     * Whether {@code peer} has joined: with the socket notifier, its doorbell answered us (so this
     * node can wake it); with the polling and UIO notifiers, the consumer role of our ring to it is held.
     */
    public boolean connectedTo(int peer) {
        Outbound link = outbound(peer);
        if (link.peerDoorbell != null) {
            return link.kicker != null;
        }
        return link.region.status(link.ringIndex).consumerHolder() != 0;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("node " + id + " has left the mesh (closed)");
        }
    }

    /**
     * Leaves the mesh: detaches every ring end (releasing its lease, so the next incarnation claims
     * it at once), releases the regions and removes the doorbell; with UIO links, then closes the
     * devices' notifiers and unmaps their dataports. The region files (the dataports) stay: packets
     * sent to this node wait there for its next incarnation. Call it after the receiving and sending
     * threads stopped (with UIO links a thread still using the node would touch unmapped memory and
     * crash the JVM). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Outbound link : outbound) {
            if (link != null) {
                if (link.kicker != null) {
                    closeQuietly(link.kicker);
                }
                closeQuietly(link.producer);
            }
        }
        for (Inbound link : inbound) {
            closeQuietly(link.consumer);
        }
        for (Region region : regions) {
            if (region != null) {
                closeQuietly(region);
            }
        }
        if (uio != null) {
            uio.close(); // the waiting notifier too, then the dataports: nothing uses them any more
        } else {
            waiting.close();
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // leaving anyway: the kernel releases what is left when the process ends
        }
    }

    @Override
    public String toString() {
        return "node " + id + " of " + config.describe();
    }

    /** One outgoing link: this node is the producer of the ring to {@code peer} in their pair's region. */
    private static final class Outbound {
        final int from;
        final int peer;
        final String ring;
        final RingProducer producer;
        /** The peer's doorbell (socket notifier), or null (polling: nobody is kicked). */
        final Path peerDoorbell;
        final Region region;
        final int ringIndex;
        final ReentrantLock lock = new ReentrantLock();
        final WaitStrategy backoff = WaitStrategy.backoff();
        final OutgoingPacket outgoing = new OutgoingPacket();
        Kicker kicker;
        long nextKickerAttempt;
        long packets;
        long bytes;
        long fullEvents;

        Outbound(int from, int peer, String ring, RingProducer producer, Path peerDoorbell, Region region,
                 int ringIndex) {
            this.from = from;
            this.peer = peer;
            this.ring = ring;
            this.producer = producer;
            this.peerDoorbell = peerDoorbell;
            this.region = region;
            this.ringIndex = ringIndex;
        }

        /**
         * With UIO links, at join: the peer's kick-only notifier exists before this end publishes
         * anything. Kicks once, as {@link #connectKicker} does, in case the peer sleeps on a
         * publication an earlier incarnation of this node made and died before kicking.
         */
        void wakePeerWith(Notifier peerKicker) {
            producer.wakePeerWith(peerKicker);
            peerKicker.kick();
        }

        /**
         * Under the lock: connects to the peer's doorbell once it exists (retrying at most once per
         * {@link #KICKER_RETRY_NANOS}) and kicks it once, in case the peer went to sleep on a
         * publication made before we could wake it.
         */
        void connectKicker(long now) {
            if (kicker != null || peerDoorbell == null || now - nextKickerAttempt < 0) {
                return;
            }
            nextKickerAttempt = now + KICKER_RETRY_NANOS;
            if (!Files.exists(peerDoorbell)) {
                return;
            }
            try {
                kicker = Kicker.connect(peerDoorbell);
            } catch (DataportException notYet) {
                return; // a stale doorbell: the peer is gone or not bound yet
            }
            producer.wakePeerWith(kicker);
            kicker.kick();
        }

        /** Under the lock: writes the mesh header and the packet into the claimed record, then commits. */
        void commit(ClaimedRecord record, int length, PacketWriter writer, byte[] src, int offset) {
            try {
                record.putLong(0, producer.position());
                if (writer != null) {
                    outgoing.wrap(record, length);
                    writer.write(outgoing);
                } else {
                    record.putBytes(MeshConfig.HEADER_LENGTH, src, offset, length);
                }
            } catch (RuntimeException | Error e) {
                producer.abort();
                throw e;
            } finally {
                outgoing.clear();
            }
            producer.commit();
            packets++;
            bytes += length;
        }
    }

    /** One incoming link: this node is the consumer of the ring from {@code peer} in their pair's region. */
    private static final class Inbound implements RecordHandler {
        final int peer;
        final String ring;
        final RingConsumer consumer;
        Node node;
        long lastSeq = -1;
        long packets;
        long bytes;

        Inbound(int peer, String ring, RingConsumer consumer) {
            this.peer = peer;
            this.ring = ring;
            this.consumer = consumer;
        }

        @Override
        public void onRecord(RecordView record) {
            int length = record.length();
            if (length < MeshConfig.HEADER_LENGTH) {
                throw new MeshException("node " + node.id + ": a record of " + length + " bytes from node " + peer
                        + " in " + ring + " has no mesh header: the sender is not a mesh node of this version");
            }
            long seq = record.getLong(0);
            if (seq <= lastSeq) {
                throw new MeshException("node " + node.id + ": packet sequence number " + seq + " from node " + peer
                        + " in " + ring + " is not above the previous one, " + lastSeq
                        + ": the sender is broken");
            }
            lastSeq = seq;
            packets++;
            bytes += length - MeshConfig.HEADER_LENGTH;
            Packet view = node.packet;
            view.wrap(peer, seq, record);
            node.handler.onPacket(view);
        }
    }
}
