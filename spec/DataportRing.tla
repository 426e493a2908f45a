----------------------------- MODULE DataportRing -----------------------------
(***************************************************************************)
(* The Dataport SPSC ring of variable-length records, at the granularity   *)
(* of its shared-memory accesses: every read or write of shared memory     *)
(* (one SharedRing accessor call in Java) is one step; purely local        *)
(* computation is folded into the neighbouring shared access.              *)
(*                                                                         *)
(* Unit: one 8-byte slot.  A record is one header slot + payload slots;    *)
(* it never crosses the end of the data region: a record that does not     *)
(* fit before the end is preceded by a padding record covering             *)
(* [index, CAPACITY).  The first PREFIX slots of every lap hold no       *)
(* record (a region ring whose header page lives there, docs/decisions/    *)
(* 0906): both sides skip them without a store (Skip), so a power-of-two   *)
(* ring fills a power-of-two region.  Ring files have PREFIX = 0.        *)
(* Positions are free-running counters modulo POSMOD                       *)
(* (a multiple of CAPACITY standing for 2^64) and are only ever compared   *)
(* through Dist, the wrap-safe difference Java computes with `a - b` on    *)
(* longs.  Action names are the Java method names (docs/verification.md).  *)
(*                                                                         *)
(* Crashes: either side may crash before any step (its private state is    *)
(* lost) and re-attach from shared memory.  A record is committed          *)
(* (abstract Enqueue) when PublishProducerPosition makes it visible and    *)
(* acknowledged (abstract Dequeue) when PublishConsumerPosition releases   *)
(* it.  Design decisions: docs/decisions/0101..0108; the mapping of       *)
(* actions to Java and of invariants to run-time checks and tests:         *)
(* docs/verification.md.                                                   *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets

CONSTANTS
    CAPACITY,   \* data region size in slots (a power of two)
    PREFIX,     \* slots at the start of every lap that hold no record
    POSMOD,     \* positions are counters modulo POSMOD
    SIZES,      \* record sizes in slots, header included
    MAXBATCH,   \* records the producer may commit before one publish
    LIMIT,      \* the consumer's poll limit (records per batch)
    IDMOD,      \* ghost record ids are sequence numbers modulo IDMOD
    MAXCRASH    \* crashes per side (bounded: fairness never relies on them)

MaxLen == CHOOSE m \in SIZES : \A s \in SIZES : s <= m
MinLen == CHOOSE m \in SIZES : \A s \in SIZES : m <= s

\* The most records the region can hold at once.  Ids are sequence numbers
\* modulo IDMOD: with IDMOD <= MaxRecords, losing (or re-delivering) a whole
\* ring of records would keep every id check happy (docs/decisions/0801).
MaxRecords == CAPACITY \div MinLen

ASSUME /\ CAPACITY \in Nat \ {0}
       /\ POSMOD \in Nat /\ POSMOD % CAPACITY = 0 /\ POSMOD >= 2 * CAPACITY
       /\ PREFIX \in 0..CAPACITY-1
       /\ SIZES \subseteq 1..CAPACITY /\ SIZES # {}
       /\ MAXBATCH \in Nat \ {0}
       /\ LIMIT \in Nat \ {0}
       /\ IDMOD \in Nat /\ IDMOD > LIMIT /\ IDMOD > MAXBATCH
       /\ IDMOD > MaxRecords
       /\ MAXCRASH \in Nat

VARIABLES
    \* ---- shared memory -------------------------------------------------
    buf,                    \* the data region: one cell per slot
    producerPosition,       \* published by the producer (release store)
    consumerPosition,       \* published by the consumer (release store)
    \* ---- producer private (RingProducer) --------------------------------
    ppc,                    \* "idle" | "full" | "pad" | "claimed" | "down" | "poisoned"
    tail,                   \* its own position, committed-but-unpublished records included
    cachedConsumerPosition,
    claimSize,              \* size of the open (or wanted, in "full") claim
    written,                \* payload slots of the open claim written so far
    unpub,                  \* records committed (header written) but not yet published
    \* ---- consumer private (RingConsumer) --------------------------------
    cpc,                    \* "poll" | "payload" | "down" | "poisoned"
    head,                   \* its own position
    cachedProducerPosition,
    batch,                  \* ids of the records handed to the handler since the last publish
    hdr,                    \* the header read once by ReadRecordHeader (+ ghost: payload ok so far)
    rd,                     \* payload slots of the current record read so far
    \* ---- ghost / history (not in memory) --------------------------------
    pubCount,               \* records ever published, mod IDMOD (the next record's id base)
    ackCount,               \* records ever acknowledged, mod IDMOD
    pCrashes, cCrashes

shared    == <<buf, producerPosition, consumerPosition>>
prodVars  == <<ppc, tail, cachedConsumerPosition, claimSize, written, unpub>>
consVars  == <<cpc, head, cachedProducerPosition, batch, hdr, rd>>
ghostVars == <<pubCount, ackCount, pCrashes, cCrashes>>
vars      == <<shared, prodVars, consVars, ghostVars>>

-----------------------------------------------------------------------------
Slots == 0..CAPACITY-1
Pos   == 0..POSMOD-1
Ids   == 0..IDMOD-1

\* A slot's content.  "G": never written (the file is zero-filled); "H": a
\* record header (length, type) of record `id`; "D": a padding header; "P":
\* a payload slot of record `id`.  Stale cells of earlier laps stay as they are.
Cell     == [k : {"G", "H", "D", "P"}, id : Ids, size : 0..CAPACITY]
Garbage  == [k |-> "G", id |-> 0, size |-> 0]
Header(i, s) == [k |-> "H", id |-> i, size |-> s]
Padding(s)   == [k |-> "D", id |-> 0, size |-> s]
Payload(i)   == [k |-> "P", id |-> i, size |-> 0]
NoHdr    == [id |-> 0, size |-> 0, ok |-> TRUE]
BadId    == IDMOD   \* delivered in place of an id when the payload read was not the committed one

Dist(a, b) == (b - a + POSMOD) % POSMOD     \* b - a of the free-running counters
Add(a, n)  == (a + n) % POSMOD
Idx(p)     == p % CAPACITY                   \* pos & (capacity - 1)
ToEnd(p)   == CAPACITY - Idx(p)
\* A position in the prefix slots of its lap moves to the first usable one
\* (RingEnd.skipPrefix): local computation, no store.
Skip(p)    == IF Idx(p) < PREFIX THEN Add(p, PREFIX - Idx(p)) ELSE p
\* Each side's skip: two names only so that a mutant can leave one out.
ProducerSkip(p) == Skip(p)
ConsumerSkip(p) == Skip(p)
\* Slots a record of s needs at p: the skip, then itself, or the padding to the
\* end, the next lap's prefix slots and itself (exact fit: no padding).
Need(p, s) == LET q == ProducerSkip(p) IN
              Dist(p, q) + (IF s <= ToEnd(q) THEN s ELSE ToEnd(q) + PREFIX + s)

NextId == (pubCount + unpub) % IDMOD        \* ghost: id of the record being written

-----------------------------------------------------------------------------
Init ==
    /\ buf = [i \in Slots |-> Garbage]
    /\ producerPosition = 0 /\ consumerPosition = 0
    /\ ppc = "idle" /\ tail = 0 /\ cachedConsumerPosition = 0
    /\ claimSize = 0 /\ written = 0 /\ unpub = 0
    /\ cpc = "poll" /\ head = 0 /\ cachedProducerPosition = 0
    /\ batch = <<>> /\ hdr = NoHdr /\ rd = 0
    /\ pubCount = 0 /\ ackCount = 0 /\ pCrashes = 0 /\ cCrashes = 0

-----------------------------------------------------------------------------
(***************************** RingProducer ********************************)

RoomFor(cache, s) == Dist(cache, tail) + Need(tail, s) <= CAPACITY   \* tail + need - cache <= capacity
PadsFor(s)        == s > ToEnd(ProducerSkip(tail))                            \* exact fit: no padding

\* The claim is open at the first usable slot: WritePadding first when the
\* record does not fit before the end.
OpenClaimWith(Pads(_), s) ==
    /\ tail' = ProducerSkip(tail)
    /\ claimSize' = s
    /\ written' = 0
    /\ ppc' = IF Pads(s) THEN "pad" ELSE "claimed"

\* RingProducer.tryClaim(length), the part that uses only the cached consumer
\* position (no shared access).  When the cache says "no room" the producer
\* goes to "full": it re-reads the consumer position (RefreshConsumerPosition)
\* and retries the same length until it fits (RingProducer.claim, or an
\* application retrying tryClaim).  Room(_, _) and Pads(_) are parameters only
\* so that mutants can replace them; the real spec uses RoomFor and PadsFor.
TryClaimWith(Room(_, _), Pads(_), s) ==
    /\ ppc = "idle"
    /\ unpub < MAXBATCH
    /\ IF Room(cachedConsumerPosition, s)
       THEN OpenClaimWith(Pads, s)
       ELSE /\ ppc' = "full" /\ claimSize' = s /\ written' = 0 /\ UNCHANGED tail
    /\ UNCHANGED <<shared, cachedConsumerPosition, unpub, consVars, ghostVars>>

TryClaim(s) == TryClaimWith(RoomFor, PadsFor, s)

\* RingProducer.refreshConsumerPosition() [SharedRing.readConsumerPosition,
\* acquire], validated (never moves back, never passes what we published),
\* then tryClaim's re-check.  A re-read returning the cached value changes
\* nothing and is left out (the retry loop is a wait), so that a producer that
\* can never get room shows up as a deadlock.
ValidConsumerPosition(c) ==
    Dist(cachedConsumerPosition, c) <= Dist(cachedConsumerPosition, producerPosition)

RefreshConsumerPositionWith(Room(_, _), Pads(_)) ==
    /\ ppc = "full"
    /\ consumerPosition # cachedConsumerPosition
    /\ LET c == consumerPosition IN
       IF ValidConsumerPosition(c)
       THEN /\ cachedConsumerPosition' = c
            /\ IF Room(c, claimSize) THEN OpenClaimWith(Pads, claimSize)
                                     ELSE UNCHANGED <<ppc, claimSize, written, tail>>
       ELSE /\ ppc' = "poisoned"
            /\ UNCHANGED <<cachedConsumerPosition, claimSize, written, tail>>
    /\ UNCHANGED <<shared, unpub, consVars, ghostVars>>

RefreshConsumerPosition == RefreshConsumerPositionWith(RoomFor, PadsFor)

\* Inside tryClaim: the record does not fit before the end.  The record then
\* goes after the next lap's prefix slots.  [SharedRing.writePadding]
WritePadding ==
    /\ ppc = "pad"
    /\ buf' = [buf EXCEPT ![Idx(tail)] = Padding(ToEnd(tail))]
    /\ tail' = ProducerSkip(Add(tail, ToEnd(tail)))
    /\ ppc' = "claimed"
    /\ UNCHANGED <<producerPosition, consumerPosition, cachedConsumerPosition,
                   claimSize, written, unpub, consVars, ghostVars>>

\* One payload slot through the claim flyweight [SharedRing payload write].
WritePayload ==
    /\ ppc = "claimed"
    /\ written < claimSize - 1
    /\ buf' = [buf EXCEPT ![Idx(tail) + 1 + written] = Payload(NextId)]
    /\ written' = written + 1
    /\ UNCHANGED <<producerPosition, consumerPosition, ppc, tail,
                   cachedConsumerPosition, claimSize, unpub, consVars, ghostVars>>

\* RingProducer.commit()/commitBatched(), first half [SharedRing.writeRecordHeader]:
\* the local commit.  tail moves; nothing is visible to the consumer yet.
WriteRecordHeader ==
    /\ ppc = "claimed"
    /\ written = claimSize - 1
    /\ buf' = [buf EXCEPT ![Idx(tail)] = Header(NextId, claimSize)]
    /\ tail' = Add(tail, claimSize)
    /\ unpub' = unpub + 1
    /\ ppc' = "idle" /\ claimSize' = 0 /\ written' = 0
    /\ UNCHANGED <<producerPosition, consumerPosition, cachedConsumerPosition,
                   consVars, ghostVars>>

\* RingProducer.commit() second half / RingProducer.publish()
\* [SharedRing.publishProducerPosition, release].  Abstract Enqueue.
\* Also allowed while waiting for room ("full"): a producer that waits with
\* unpublished records must publish them first (mutant BatchNotFlushed).
PublishProducerPosition ==
    /\ ppc \in {"idle", "full"}
    /\ tail # producerPosition
    /\ producerPosition' = tail
    /\ pubCount' = (pubCount + unpub) % IDMOD
    /\ unpub' = 0
    /\ UNCHANGED <<buf, consumerPosition, ppc, tail, cachedConsumerPosition,
                   claimSize, written, consVars, ackCount, pCrashes, cCrashes>>

\* RingProducer.abort(): the application drops its open claim.  A padding
\* already written stays (tail includes it) and is published with the next record.
Abort ==
    /\ ppc = "claimed"
    /\ ppc' = "idle" /\ claimSize' = 0 /\ written' = 0
    /\ UNCHANGED <<shared, tail, cachedConsumerPosition, unpub, consVars, ghostVars>>

-----------------------------------------------------------------------------
(***************************** RingConsumer ********************************)
(* One call of RingConsumer.poll(handler, LIMIT) is a loop over these.     *)

\* The current poll has done something (delivered records or skipped padding)
\* that is not published yet.  Without it, the consumer is at the start of a poll.
BatchPending == batch # <<>> \/ head # consumerPosition

\* Start of poll, only when head has caught up with the cache
\* [SharedRing.readProducerPosition, acquire], validated: never moves back,
\* at most CAPACITY ahead of our published position.  A read that returns the
\* cached value (poll returns 0) changes nothing and is left out.
ValidProducerPosition(p) ==
    /\ Dist(cachedProducerPosition, p) <= CAPACITY   \* p - cache >= 0
    /\ Dist(consumerPosition, p) <= CAPACITY         \* p - head <= capacity (Java's head = our consumerPosition)

RefreshProducerPositionWith(Valid(_)) ==
    /\ cpc = "poll"
    /\ ~BatchPending
    /\ ConsumerSkip(head) = cachedProducerPosition \/ head = cachedProducerPosition
    /\ producerPosition # cachedProducerPosition
    /\ LET p == producerPosition IN
       IF Valid(p)
       THEN cachedProducerPosition' = p /\ UNCHANGED cpc
       ELSE cpc' = "poisoned" /\ UNCHANGED cachedProducerPosition
    /\ UNCHANGED <<shared, prodVars, head, batch, hdr, rd, ghostVars>>

RefreshProducerPosition == RefreshProducerPositionWith(ValidProducerPosition)

\* The record is handed to the handler; ok = its payload was the committed one.
Deliver(ok) ==
    /\ batch' = Append(batch, IF ok THEN hdr.id ELSE BadId)
    /\ head' = Add(head, hdr.size)
    /\ hdr' = NoHdr /\ rd' = 0
    /\ cpc' = "poll"

\* Loop body of poll (while count < limit && position != cachedProducerPosition,
\* position first moved past the prefix slots of its lap: Skip, local)
\* [SharedRing.readRecordHeader]: the header slot is read ONCE into a local,
\* then validated: a header or a padding; a padding reaches exactly the end;
\* a record has a sane length, ends at or before cachedProducerPosition and
\* does not cross the end.  Any failure poisons the ring (RingCorruptedException).
ReadRecordHeader ==
    /\ cpc = "poll"
    /\ Len(batch) < LIMIT
    /\ ConsumerSkip(head) # cachedProducerPosition
    /\ head # cachedProducerPosition
    /\ LET h     == ConsumerSkip(head)
           c     == buf[Idx(h)]
           avail == Dist(h, cachedProducerPosition)
       IN CASE Dist(head, h) > Dist(head, cachedProducerPosition) ->   \* the skip passes what was published
                    /\ cpc' = "poisoned"
                    /\ UNCHANGED <<head, batch, hdr, rd>>
            [] c.k = "H" /\ c.size \in 1..MaxLen /\ c.size <= avail
                         /\ Idx(h) + c.size <= CAPACITY ->
                    IF c.size = 1   \* header-only record (length 0): delivered at once
                    THEN /\ batch' = Append(batch, c.id)
                         /\ head' = Add(h, 1)
                         /\ UNCHANGED <<cpc, hdr, rd>>
                    ELSE /\ cpc' = "payload"
                         /\ hdr' = [id |-> c.id, size |-> c.size, ok |-> TRUE]
                         /\ rd' = 0
                         /\ head' = h
                         /\ UNCHANGED batch
            [] c.k = "D" /\ c.size = ToEnd(h) /\ c.size <= avail ->
                    /\ head' = Add(h, c.size)
                    /\ UNCHANGED <<cpc, batch, hdr, rd>>
            [] OTHER ->
                    /\ cpc' = "poisoned"
                    /\ UNCHANGED <<head, batch, hdr, rd>>
    /\ UNCHANGED <<shared, prodVars, cachedProducerPosition, ghostVars>>

\* The handler reads the payload in place, one slot per step; after the last
\* slot the record counts as delivered and head moves past it (local).
ReadPayload ==
    /\ cpc = "payload"
    /\ rd < hdr.size - 1
    /\ LET c  == buf[Idx(head) + 1 + rd]
           ok == hdr.ok /\ c.k = "P" /\ c.id = hdr.id
       IN IF rd + 1 = hdr.size - 1
          THEN Deliver(ok)
          ELSE /\ hdr' = [hdr EXCEPT !.ok = ok]
               /\ rd' = rd + 1
               /\ UNCHANGED <<cpc, head, batch>>
    /\ UNCHANGED <<shared, prodVars, cachedProducerPosition, ghostVars>>

\* End of poll (the loop stopped: limit reached or head = cachedProducerPosition)
\* [SharedRing.publishConsumerPosition, release]: once per batch, never per
\* record, and only if the poll moved.  Abstract Dequeue of the batch.
EndOfBatch == Len(batch) = LIMIT \/ head = cachedProducerPosition \/ ConsumerSkip(head) = cachedProducerPosition

PublishConsumerPosition ==
    /\ cpc = "poll"
    /\ BatchPending
    /\ EndOfBatch
    /\ consumerPosition' = head
    /\ ackCount' = (ackCount + Len(batch)) % IDMOD
    /\ batch' = <<>>
    /\ UNCHANGED <<buf, producerPosition, prodVars, cpc, head, cachedProducerPosition,
                   hdr, rd, pubCount, pCrashes, cCrashes>>

-----------------------------------------------------------------------------
(***************************** crashes *************************************)

CrashProducer ==
    /\ ppc \notin {"down", "poisoned"}
    /\ pCrashes < MAXCRASH
    /\ ppc' = "down" /\ tail' = 0 /\ cachedConsumerPosition' = 0
    /\ claimSize' = 0 /\ written' = 0 /\ unpub' = 0
    /\ pCrashes' = pCrashes + 1
    /\ UNCHANGED <<shared, consVars, pubCount, ackCount, cCrashes>>

\* RingProducer attach/open: its own position's authoritative copy is the
\* published one; the consumer's is read and validated like any peer value.
\* (Two reads; producerPosition cannot change in between: its only writer is
\* the one attaching.  So one step.)
AttachProducer ==
    /\ ppc = "down"
    /\ IF Dist(consumerPosition, producerPosition) <= CAPACITY
       THEN /\ ppc' = "idle"
            /\ tail' = producerPosition
            /\ cachedConsumerPosition' = consumerPosition
       ELSE /\ ppc' = "poisoned" /\ UNCHANGED <<tail, cachedConsumerPosition>>
    /\ UNCHANGED <<shared, claimSize, written, unpub, consVars, ghostVars>>

CrashConsumer ==
    /\ cpc \notin {"down", "poisoned"}
    /\ cCrashes < MAXCRASH
    /\ cpc' = "down" /\ head' = 0 /\ cachedProducerPosition' = 0
    /\ batch' = <<>> /\ hdr' = NoHdr /\ rd' = 0
    /\ cCrashes' = cCrashes + 1
    /\ UNCHANGED <<shared, prodVars, pubCount, ackCount, pCrashes>>

\* RingConsumer attach/open: resume at the published consumer position; the
\* records handed out since the last publish are delivered again.  (Two reads;
\* consumerPosition cannot change in between: its only writer is the one
\* attaching.  So one step.)
AttachConsumer ==
    /\ cpc = "down"
    /\ IF Dist(consumerPosition, producerPosition) <= CAPACITY
       THEN /\ cpc' = "poll"
            /\ head' = consumerPosition
            /\ cachedProducerPosition' = consumerPosition
       ELSE /\ cpc' = "poisoned" /\ UNCHANGED <<head, cachedProducerPosition>>
    /\ UNCHANGED <<shared, prodVars, batch, hdr, rd, ghostVars>>

-----------------------------------------------------------------------------
ProducerWork == \/ \E s \in SIZES : TryClaim(s)
                \/ RefreshConsumerPosition
                \/ WritePadding
                \/ WritePayload
                \/ WriteRecordHeader
                \/ PublishProducerPosition

ConsumerWork == \/ RefreshProducerPosition
                \/ ReadRecordHeader
                \/ ReadPayload
                \/ PublishConsumerPosition

Environment  == Abort \/ CrashProducer \/ AttachProducer \/ CrashConsumer \/ AttachConsumer

Next == ProducerWork \/ ConsumerWork \/ Environment

\* Weak fairness on each side's own work and on restarting; none on crashing
\* or aborting (the application may abort, but is not obliged to).
Fairness == /\ WF_vars(ProducerWork) /\ WF_vars(ConsumerWork)
            /\ WF_vars(AttachProducer) /\ WF_vars(AttachConsumer)

SafetySpec == Init /\ [][Next]_vars
Spec       == SafetySpec /\ Fairness

-----------------------------------------------------------------------------
(***************************** refinement **********************************)
(* The abstract queue is what lies in the ring between the two published   *)
(* positions, parsed as the consumer would.  A header whose payload is not *)
(* (yet) that record's, or anything unparsable, maps to a record that is   *)
(* not in BoundedFifo's Rec, so publishing it is not an abstract step.     *)

BadRec == [id |-> BadId, size |-> 0]

RecordAt(i, c) ==
    IF \A j \in 1..c.size-1 : buf[i + j].k = "P" /\ buf[i + j].id = c.id
    THEN [id |-> c.id, size |-> c.size]
    ELSE BadRec

RECURSIVE Parse(_, _)
Parse(p, n) ==
    IF n = 0 THEN <<>>
    ELSE IF Idx(p) < PREFIX
    THEN IF Dist(p, Skip(p)) <= n THEN Parse(Skip(p), n - Dist(p, Skip(p))) ELSE <<BadRec>>
    ELSE LET i == Idx(p)
             c == buf[i]
         IN IF c.k = "D" /\ c.size = CAPACITY - i /\ c.size <= n
            THEN Parse(Add(p, c.size), n - c.size)
            ELSE IF c.k = "H" /\ c.size \in 1..n /\ i + c.size <= CAPACITY
                 THEN <<RecordAt(i, c)>> \o Parse(Add(p, c.size), n - c.size)
                 ELSE <<BadRec>>

AbsQueue == Parse(consumerPosition, Dist(consumerPosition, producerPosition))

Abs == INSTANCE BoundedFifo WITH queue <- AbsQueue, enq <- pubCount, deq <- ackCount

\* The ring implements the bounded FIFO: every step is an abstract Enqueue
\* (PublishProducerPosition), Dequeue (PublishConsumerPosition) or stutter.
Refinement == Abs!SafetySpec

-----------------------------------------------------------------------------
(***************************** invariants **********************************)

ProducerUp == ppc \notin {"down", "poisoned"}
ConsumerUp == cpc \notin {"down", "poisoned"}

TypeOK ==
    /\ buf \in [Slots -> Cell]
    /\ producerPosition \in Pos /\ consumerPosition \in Pos
    /\ ppc \in {"idle", "full", "pad", "claimed", "down", "poisoned"}
    /\ tail \in Pos /\ cachedConsumerPosition \in Pos
    /\ claimSize \in {0} \cup SIZES /\ written \in 0..MaxLen /\ unpub \in 0..MAXBATCH
    /\ cpc \in {"poll", "payload", "down", "poisoned"}
    /\ head \in Pos /\ cachedProducerPosition \in Pos
    /\ batch \in Seq(Ids \cup {BadId}) /\ Len(batch) <= LIMIT
    /\ hdr \in [id : Ids, size : 0..MaxLen, ok : BOOLEAN] /\ rd \in 0..MaxLen
    /\ pubCount \in Ids /\ ackCount \in Ids
    /\ pCrashes \in 0..MAXCRASH /\ cCrashes \in 0..MAXCRASH

\* With honest peers the validation never fires (hostile peers: not modelled).
NeverPoisoned == ppc # "poisoned" /\ cpc # "poisoned"

\* consumerPosition <= head <= cachedProducerPosition <= producerPosition
\*   <= tail <= cachedConsumerPosition + CAPACITY, cachedConsumerPosition <= consumerPosition,
\* all as wrap-safe differences (measured from the leftmost of the chain).
PositionsInBounds ==
    /\ Dist(consumerPosition, producerPosition) <= CAPACITY
    /\ ProducerUp =>
         /\ Dist(cachedConsumerPosition, consumerPosition) <= Dist(cachedConsumerPosition, producerPosition)
         /\ Dist(cachedConsumerPosition, producerPosition) <= Dist(cachedConsumerPosition, tail)
         /\ Dist(cachedConsumerPosition, tail) <= CAPACITY
    /\ ConsumerUp =>
         /\ Dist(consumerPosition, head) <= Dist(consumerPosition, cachedProducerPosition)
         /\ Dist(consumerPosition, cachedProducerPosition) <= Dist(consumerPosition, producerPosition)

\* The slots the producer is about to write (its open claim, padding
\* included) end at or before consumerPosition + CAPACITY: they are free,
\* never bytes the consumer has not released (published past).
ClaimSpan == IF ppc = "pad" THEN ToEnd(tail) + PREFIX + claimSize ELSE claimSize
NoOverwriteUnread ==
    ppc \in {"pad", "claimed"} => Dist(consumerPosition, tail) + ClaimSpan <= CAPACITY

\* The prefix slots of every lap are never written (in a region they hold
\* the ring's header page, or the region's directory).
NeverInPrefix == \A i \in 0..PREFIX-1 : buf[i] = Garbage

\* The consumer never reads uncommitted bytes: every slot it has read holds the
\* committed record's bytes (none overwritten, none stale, none unwritten).
\* (Where it reads is bounded by PositionsInBounds: head <= cachedProducerPosition
\* <= producerPosition, and ReadRecordHeader's check that the record ends at or
\* before cachedProducerPosition.)
ConsumerReadsCommitted ==
    /\ cpc = "payload" => hdr.ok
    /\ \A i \in 1..Len(batch) : batch[i] # BadId

\* The handler sees the records in order, none lost, none duplicated, since
\* the last acknowledgement (after a consumer crash it sees them again).
DeliveredInOrder == \A i \in 1..Len(batch) : batch[i] = (ackCount + i - 1) % IDMOD

\* The abstract queue's own invariants, through the mapping.
AbsFifo == Abs!FifoOrder /\ Abs!Bounded

-----------------------------------------------------------------------------
(***************************** symmetry VIEW ******************************)
(* Two symmetries of the model, used by the CI safety model through VIEW    *)
(* (docs/decisions/0107): adding CAPACITY to every position (mod POSMOD)    *)
(* changes no Idx and no Dist, and adding k to every record id (mod IDMOD)  *)
(* changes no relation between ids.  Every action, invariant and the        *)
(* refinement mapping use positions only through Idx/Dist/Add and ids only  *)
(* relative to pubCount/ackCount, so the states a View identifies have the  *)
(* same futures and the same verdicts.  Not for models that compare raw     *)
(* counters (the NonModularCompare mutant, the witnesses) and not for       *)
(* liveness checking; the deep model runs without it.                       *)
LapBase      == consumerPosition - Idx(consumerPosition)
CanonPos(p)  == Dist(LapBase, p)
CanonId(i)   == (i + IDMOD - ackCount) % IDMOD
CanonCell(c) == IF c.k \in {"H", "P"} THEN [c EXCEPT !.id = CanonId(c.id)] ELSE c
View ==
    << [i \in Slots |-> CanonCell(buf[i])],
       CanonPos(producerPosition), CanonPos(consumerPosition),
       ppc,
       IF ProducerUp THEN <<CanonPos(tail), CanonPos(cachedConsumerPosition)>> ELSE <<tail, cachedConsumerPosition>>,
       claimSize, written, unpub,
       cpc,
       IF ConsumerUp THEN <<CanonPos(head), CanonPos(cachedProducerPosition)>> ELSE <<head, cachedProducerPosition>>,
       [i \in DOMAIN batch |-> IF batch[i] = BadId THEN BadId ELSE CanonId(batch[i])],
       IF cpc = "payload" THEN [hdr EXCEPT !.id = CanonId(hdr.id)] ELSE hdr,
       rd,
       CanonId(pubCount),
       pCrashes, cCrashes >>

-----------------------------------------------------------------------------
(***************************** liveness ************************************)
(* Every committed record is eventually acknowledged.  Stated as: always,  *)
(* eventually the queue is empty or an acknowledgement happens.  With      *)
(* Refinement (the queue only shrinks by Dequeue, in FIFO order) this is   *)
(* "each committed record is eventually dequeued"; it is cheaper for TLC   *)
(* than the equivalent \A k : (queue # <<>> /\ ackCount = k) ~> ackCount # k *)
(* (one tableau instead of IDMOD; docs/decisions/0106).  The model never   *)
(* stutters for ever (no deadlock), so an empty queue is seen by a step.   *)
AckStep  == ackCount' # ackCount
Liveness == []<><<AbsQueue = <<>> \/ AckStep>>_vars
=============================================================================
