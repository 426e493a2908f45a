----------------------------- MODULE DataportRing -----------------------------
(***************************************************************************)
(* The Dataport SPSC ring of variable-length records (layout version 3:    *)
(* commit in the record), at the granularity of its shared-memory          *)
(* accesses: every read or write of shared memory (one SharedRing accessor *)
(* call in Java) is one step; purely local computation is folded into the  *)
(* neighbouring shared access.                                             *)
(*                                                                         *)
(* Unit: one 8-byte slot.  A record is one header slot + payload slots;    *)
(* it never crosses the end of the data region: a record that does not     *)
(* fit before the end is preceded by a padding record covering             *)
(* [index, CAPACITY).  The first PREFIX slots of every lap hold no record  *)
(* (a region ring whose header page lives there, docs/decisions/0906):     *)
(* both sides skip them without a store (Skip).  Ring files: PREFIX = 0.   *)
(* Positions are free-running counters modulo POSMOD (a multiple of        *)
(* CAPACITY standing for 2^64), only ever compared through Dist, the       *)
(* wrap-safe difference Java computes with `a - b` on longs.  Action names *)
(* are the Java method names (docs/verification.md).                       *)
(*                                                                         *)
(* COMMIT IN THE RECORD (docs/decisions/1701).  The consumer learns that a *)
(* record is complete from its header alone; it never reads the producer   *)
(* position.  What makes a header trustworthy is the END MARKER: a header  *)
(* word that means "no record here yet".  The producer keeps one at its    *)
(* frontier (the position of the next record) at all times:                *)
(*   - the creator writes one at the first usable slot;                    *)
(*   - before a record (or a padding) becomes visible, the producer writes *)
(*     an end marker at the slot that follows it (WriteEndMarker), then    *)
(*     the header with a release store (WriteRecordHeader / Publish);      *)
(*   - a claim needs room for that marker too.                             *)
(* So the slot the consumer reads next always holds either the end marker  *)
(* or a header written for that very position in this lap: stale bytes of  *)
(* an earlier lap, and payload bytes that imitate a header (TUN packets    *)
(* carry anyone's bytes), are never read as a header.  The model starts    *)
(* from arbitrary bytes ("G" cells) and makes every byte nobody may read   *)
(* again arbitrary (Decay); a consumer or a scan that reads a "G" or a     *)
(* payload cell as a header is "fooled", which the invariants forbid: the  *)
(* bytes could have been any header at all.                                *)
(*                                                                         *)
(* Batching: the header of the first record of a batch is held back        *)
(* (its slot keeps the end marker) and written by Publish, which makes the *)
(* whole batch visible at once; the later records of the batch are        *)
(* written behind it.  The producer position is only a recovery hint,      *)
(* published lazily (PublishProducerPosition, any time); a restarted       *)
(* producer finds its frontier by a bounded scan (ScanForEnd) from the     *)
(* later of the two published positions.                                   *)
(*                                                                         *)
(* Crashes: either side may crash before any step (its private state is    *)
(* lost) and re-attach from shared memory.  A record is committed          *)
(* (abstract Enqueue) when its batch's first header is written (Publish)   *)
(* and acknowledged (abstract Dequeue) when PublishConsumerPosition        *)
(* releases it.  Design decisions: docs/decisions/0101..0108, 1701; the    *)
(* mapping of actions to Java and of invariants to run-time checks and     *)
(* tests: docs/verification.md.                                            *)
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
    producerPosition,       \* a recovery hint, published lazily (release store)
    consumerPosition,       \* published by the consumer once per batch (release store)
    \* ---- producer private (RingProducer) --------------------------------
    ppc,                    \* "idle" | "full" | "padend" | "pad" | "claimed" | "end"
                            \* | "commit" | "scan" | "down" | "poisoned" | "fooled"
    tail,                   \* its own position, committed-but-unpublished records included
    cachedConsumerPosition,
    claimSize,              \* size of the open (or wanted, in "full") claim
    written,                \* payload slots of the open claim written so far
    unpub,                  \* records committed (commitBatched) but not yet published
    held,                   \* [pos, size] of the batch's first record, whose header is held back
    \* ---- consumer private (RingConsumer) --------------------------------
    cpc,                    \* "poll" | "payload" | "publish" | "down" | "poisoned" | "fooled"
    head,                   \* its own position
    batch,                  \* ids of the records handed to the handler since the last publish
    hdr,                    \* the header read once by ReadRecordHeader (+ ghost: payload ok so far)
    rd,                     \* payload slots of the current record read so far
    \* ---- ghost / history (not in memory) --------------------------------
    pubCount,               \* records ever published, mod IDMOD (the next record's id base)
    ackCount,               \* records ever acknowledged, mod IDMOD
    pCrashes, cCrashes

shared    == <<buf, producerPosition, consumerPosition>>
prodVars  == <<ppc, tail, cachedConsumerPosition, claimSize, written, unpub, held>>
consVars  == <<cpc, head, batch, hdr, rd>>
ghostVars == <<pubCount, ackCount, pCrashes, cCrashes>>
vars      == <<shared, prodVars, consVars, ghostVars>>

-----------------------------------------------------------------------------
Slots == 0..CAPACITY-1
Pos   == 0..POSMOD-1
Ids   == 0..IDMOD-1

\* A slot's content.  "G": arbitrary bytes (never written, or stale: bytes no
\* one may read again); they may imitate any header.  "H": a record header
\* (length, type) of record `id`; "D": a padding header; "E": the end marker;
\* "P": a payload slot of record `id` (its bytes are the application's, so
\* they too may imitate any header).
Cell     == [k : {"G", "H", "D", "E", "P"}, id : Ids, size : 0..CAPACITY]
Garbage  == [k |-> "G", id |-> 0, size |-> 0]
EndMark  == [k |-> "E", id |-> 0, size |-> 0]
Header(i, s) == [k |-> "H", id |-> i, size |-> s]
Padding(s)   == [k |-> "D", id |-> 0, size |-> s]
Payload(i)   == [k |-> "P", id |-> i, size |-> 0]
NoHdr    == [id |-> 0, size |-> 0, ok |-> TRUE]
NoHeld   == [pos |-> 0, size |-> 0]
BadId    == IDMOD   \* delivered in place of an id when the payload read was not the committed one
\* Bytes read as a header that no writer put there for this position.
Arbitrary(c) == c.k \in {"G", "P"}

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
\* Where a record of s claimed at p starts: after the skip, or after a padding
\* to the end and the next lap's prefix slots (exact fit: no padding).
RecordStart(p, s) == LET q == ProducerSkip(p) IN
                     IF s <= ToEnd(q) THEN q ELSE ProducerSkip(Add(q, ToEnd(q)))
\* Where the end marker after a record of s claimed at p goes.
EndAfter(p, s) == ProducerSkip(Add(RecordStart(p, s), s))
\* Slots a record of s needs at p: the skip, the padding and prefix if any,
\* itself, the next skip and the end marker's slot.
Need(p, s) == Dist(p, EndAfter(p, s)) + 1

NextId == (pubCount + unpub) % IDMOD        \* ghost: id of the record being written

\* The slots [from, to) of the data region (at most one lap).
SlotsBetween(from, to) == {Idx(Add(from, j)) : j \in 0..Dist(from, to) - 1}

-----------------------------------------------------------------------------
Init ==
    /\ buf = [i \in Slots |-> IF i = Idx(Skip(0)) THEN EndMark ELSE Garbage]
    /\ producerPosition = 0 /\ consumerPosition = 0
    /\ ppc = "idle" /\ tail = Skip(0) /\ cachedConsumerPosition = 0
    /\ claimSize = 0 /\ written = 0 /\ unpub = 0 /\ held = NoHeld
    /\ cpc = "poll" /\ head = 0
    /\ batch = <<>> /\ hdr = NoHdr /\ rd = 0
    /\ pubCount = 0 /\ ackCount = 0 /\ pCrashes = 0 /\ cCrashes = 0

-----------------------------------------------------------------------------
(***************************** RingProducer ********************************)

RoomFor(cache, s) == Dist(cache, tail) + Need(tail, s) <= CAPACITY   \* end marker slot included
PadsFor(s)        == s > ToEnd(ProducerSkip(tail))                    \* exact fit: no padding
\* A claim opens only if the recovery hint is not a lap behind what it will
\* write (Java: the hint moves with every reservation, and a claim that finds
\* it staler moves it first), so that a restarted producer can compare the
\* hint with the consumer position.
HintFresh(s) == Dist(producerPosition, tail) + Need(tail, s) <= CAPACITY
\* The producer's frontier as the consumer can see it: the held header's
\* slot, or the tail.  A record boundary holding the end marker.  With the
\* hint there, HintFresh follows from room (the consumer is not past it).
Frontier == IF unpub > 0 THEN held.pos ELSE tail

\* The claim is open at the first usable slot: a padding first when the
\* record does not fit before the end (its end marker, then its header).
OpenClaimWith(Pads(_), s) ==
    /\ tail' = ProducerSkip(tail)
    /\ claimSize' = s
    /\ written' = 0
    /\ ppc' = IF Pads(s) THEN "padend" ELSE "claimed"

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
       THEN /\ HintFresh(s)                   \* else PublishProducerPosition first
            /\ OpenClaimWith(Pads, s)
       ELSE /\ ppc' = "full" /\ claimSize' = s /\ written' = 0 /\ UNCHANGED tail
    /\ UNCHANGED <<shared, cachedConsumerPosition, unpub, held, consVars, ghostVars>>

TryClaim(s) == TryClaimWith(RoomFor, PadsFor, s)


\* RingProducer.refreshConsumerPosition() [SharedRing.readConsumerPosition,
\* acquire], validated (never moves back, never passes our own tail), then
\* tryClaim's re-check.  A re-read returning the cached value changes nothing
\* and is left out (the retry loop is a wait), so that a producer that can
\* never get room shows up as a deadlock.
ValidConsumerPosition(c) ==
    Dist(cachedConsumerPosition, c) <= Dist(cachedConsumerPosition, tail)

RefreshConsumerPositionWith(Room(_, _), Pads(_)) ==
    /\ ppc = "full"
    /\ consumerPosition # cachedConsumerPosition
    /\ LET c == consumerPosition IN
       IF ValidConsumerPosition(c)
       THEN /\ cachedConsumerPosition' = c
            /\ IF Room(c, claimSize) THEN ppc' = "idle" /\ claimSize' = 0
                                     ELSE UNCHANGED <<ppc, claimSize>>
            /\ UNCHANGED <<written, tail>>
       ELSE /\ ppc' = "poisoned"
            /\ UNCHANGED <<cachedConsumerPosition, claimSize, written, tail>>
    /\ UNCHANGED <<shared, unpub, held, consVars, ghostVars>>

RefreshConsumerPosition == RefreshConsumerPositionWith(RoomFor, PadsFor)

\* The end marker goes where the next record will start, BEFORE the header
\* that lets the consumer reach that slot [SharedRing.writeEndMarker, plain
\* store, ordered by the header's release].  For a padding: at the record's
\* slot after the next lap's prefix; for a record: after the record.
WriteEndMarker ==
    \/ /\ ppc = "padend"
       /\ buf' = [buf EXCEPT ![Idx(ProducerSkip(Add(tail, ToEnd(tail))))] = EndMark]
       /\ ppc' = "pad"
    \/ /\ ppc = "end"
       /\ buf' = [buf EXCEPT ![Idx(ProducerSkip(Add(tail, claimSize)))] = EndMark]
       /\ ppc' = "commit"
    /\ UNCHANGED <<producerPosition, consumerPosition, tail, cachedConsumerPosition,
                   claimSize, written, unpub, held, consVars, ghostVars>>

\* Inside tryClaim: the record does not fit before the end.  The padding
\* header is written at once (release): a padding is no record, and the end
\* marker at the record's slot already stops the consumer there.
\* [SharedRing.writePadding]
WritePadding ==
    /\ ppc = "pad"
    /\ buf' = [buf EXCEPT ![Idx(tail)] = Padding(ToEnd(tail))]
    /\ tail' = ProducerSkip(Add(tail, ToEnd(tail)))
    /\ ppc' = "claimed"
    /\ UNCHANGED <<producerPosition, consumerPosition, cachedConsumerPosition,
                   claimSize, written, unpub, held, consVars, ghostVars>>

\* One payload slot through the claim flyweight [SharedRing payload write].
\* After the last one the claim moves on to its end marker.
WritePayload ==
    /\ ppc = "claimed"
    /\ written < claimSize - 1
    /\ buf' = [buf EXCEPT ![Idx(tail) + 1 + written] = Payload(NextId)]
    /\ written' = written + 1
    /\ UNCHANGED <<producerPosition, consumerPosition, ppc, tail,
                   cachedConsumerPosition, claimSize, unpub, held, consVars, ghostVars>>

\* RingProducer.commitBatched(), once the payload is written: the end marker
\* is next (a record with no payload slot goes there at once).
FinishPayload ==
    /\ ppc = "claimed"
    /\ written = claimSize - 1
    /\ ppc' = "end"
    /\ UNCHANGED <<shared, tail, cachedConsumerPosition, claimSize, written, unpub, held,
                   consVars, ghostVars>>

\* RingProducer.commitBatched() [SharedRing.writeRecordHeader, release]: the
\* first record of a batch keeps the end marker in its slot and its header is
\* held for Publish; a later one's header is written now, behind it, where
\* the consumer cannot reach it yet.  No abstract step.
WriteRecordHeader ==
    /\ ppc = "commit"
    /\ IF unpub = 0
       THEN /\ held' = [pos |-> tail, size |-> claimSize]
            /\ UNCHANGED buf
       ELSE /\ buf' = [buf EXCEPT ![Idx(tail)] = Header(NextId, claimSize)]
            /\ UNCHANGED held
    /\ tail' = ProducerSkip(Add(tail, claimSize))
    /\ unpub' = unpub + 1
    /\ ppc' = "idle" /\ claimSize' = 0 /\ written' = 0
    /\ UNCHANGED <<producerPosition, consumerPosition, cachedConsumerPosition,
                   consVars, ghostVars>>

\* RingProducer.commit() second half / RingProducer.publish(): the held
\* header, with a release store [SharedRing.writeRecordHeader].  Abstract
\* Enqueue of the whole batch.  Also allowed while waiting for room ("full"):
\* a producer that waits with unpublished records must publish them first
\* (mutant BatchNotFlushed).
Publish ==
    /\ ppc \in {"idle", "full"}
    /\ unpub > 0
    /\ buf' = [buf EXCEPT ![Idx(held.pos)] = Header(pubCount, held.size)]
    /\ pubCount' = (pubCount + unpub) % IDMOD
    /\ unpub' = 0
    /\ held' = NoHeld
    /\ UNCHANGED <<producerPosition, consumerPosition, ppc, tail, cachedConsumerPosition,
                   claimSize, written, consVars, ackCount, pCrashes, cCrashes>>

\* [SharedRing.publishProducerPosition, CAS]: the recovery hint moves to the
\* frontier, at any time (Java: with every reservation, when a claim finds it
\* a lap behind, see HintFresh, and on a region's close).  Never read by the
\* consumer; no abstract step.
PublishProducerPosition ==
    /\ ppc \notin {"down", "poisoned", "fooled", "scan"}
    /\ producerPosition # Frontier
    /\ producerPosition' = Frontier
    /\ UNCHANGED <<buf, consumerPosition, prodVars, consVars, ghostVars>>

\* RingProducer.abort(): the application drops its open claim.  A padding
\* already written stays (tail includes it); its end marker is in place.
Abort ==
    /\ ppc = "claimed"
    /\ ppc' = "idle" /\ claimSize' = 0 /\ written' = 0
    /\ UNCHANGED <<shared, tail, cachedConsumerPosition, unpub, held, consVars, ghostVars>>

-----------------------------------------------------------------------------
(***************************** RingConsumer ********************************)
(* One call of RingConsumer.poll(handler, LIMIT) is a loop over these.     *)

\* The current poll has done something (delivered records or skipped padding)
\* that is not published yet.  Without it, the consumer is at the start of a poll.
BatchPending == batch # <<>> \/ head # consumerPosition

\* The record is handed to the handler; ok = its payload was the committed one.
Deliver(ok) ==
    /\ batch' = Append(batch, IF ok THEN hdr.id ELSE BadId)
    /\ head' = Add(head, hdr.size)
    /\ hdr' = NoHdr /\ rd' = 0
    /\ cpc' = "poll"

\* Loop body of poll (while count < limit), the position first moved past the
\* prefix slots of its lap (Skip, local) [SharedRing.readRecordHeader, one
\* acquire load into a local, validated there]: the end marker ends the poll
\* (publish what it did); a padding reaches exactly the end; a record has a
\* sane size and does not cross the end; anything else poisons the ring
\* (RingCorruptedException).  Reading the end marker with nothing done is a
\* poll that returns 0: no step.
ReadRecordHeader ==
    /\ cpc = "poll"
    /\ Len(batch) < LIMIT
    /\ LET h == ConsumerSkip(head)
           c == buf[Idx(h)]
       IN CASE Arbitrary(c) ->          \* any bytes: they might have read as any header
                    /\ cpc' = "fooled"
                    /\ UNCHANGED <<head, batch, hdr, rd>>
            [] c.k = "E" ->
                    /\ BatchPending \/ h # head
                    /\ cpc' = "publish"
                    /\ head' = h
                    /\ UNCHANGED <<batch, hdr, rd>>
            [] c.k = "H" /\ c.size \in 1..MaxLen /\ Idx(h) + c.size <= CAPACITY ->
                    IF c.size = 1   \* header-only record (length 0): delivered at once
                    THEN /\ batch' = Append(batch, c.id)
                         /\ head' = Add(h, 1)
                         /\ UNCHANGED <<cpc, hdr, rd>>
                    ELSE /\ cpc' = "payload"
                         /\ hdr' = [id |-> c.id, size |-> c.size, ok |-> TRUE]
                         /\ rd' = 0
                         /\ head' = h
                         /\ UNCHANGED batch
            [] c.k = "D" /\ c.size = ToEnd(h) ->
                    /\ head' = Add(h, c.size)
                    /\ UNCHANGED <<cpc, batch, hdr, rd>>
            [] OTHER ->
                    /\ cpc' = "poisoned"
                    /\ UNCHANGED <<head, batch, hdr, rd>>
    /\ UNCHANGED <<shared, prodVars, ghostVars>>

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
    /\ UNCHANGED <<shared, prodVars, ghostVars>>

\* End of poll (the limit reached, or the end marker read)
\* [SharedRing.publishConsumerPosition, release]: once per batch, never per
\* record.  Abstract Dequeue of the batch.  The bytes it releases are stale
\* from now on: nobody may read them again, so they become arbitrary (Decay).
EndOfBatch == cpc = "publish" \/ (cpc = "poll" /\ Len(batch) = LIMIT)

\* The slots a publish releases, except those a recovery scan that started
\* before it has still to read (the producer, their only writer, is scanning:
\* they are intact for it).
Released ==
    IF ppc = "scan" /\ Dist(tail, head) <= CAPACITY                 \* the scan is not past head
    THEN IF Dist(consumerPosition, tail) <= Dist(consumerPosition, head)
         THEN SlotsBetween(consumerPosition, tail)                  \* it is still to read [tail, head)
         ELSE {}                                                    \* it is behind: all of it
    ELSE SlotsBetween(consumerPosition, head)

PublishConsumerPosition ==
    /\ EndOfBatch
    /\ BatchPending
    /\ consumerPosition' = head
    /\ buf' = [i \in Slots |-> IF i \in Released THEN Garbage ELSE buf[i]]
    /\ ackCount' = (ackCount + Len(batch)) % IDMOD
    /\ batch' = <<>>
    /\ cpc' = "poll"
    /\ UNCHANGED <<producerPosition, prodVars, head, hdr, rd, pubCount, pCrashes, cCrashes>>

-----------------------------------------------------------------------------
(***************************** crashes *************************************)

\* The chain of headers the consumer will follow from position p: the slots
\* of every record and padding up to the first end marker, and that marker.
RECURSIVE ChainSlots(_, _)
ChainSlots(p, n) ==
    IF n = 0 THEN {}
    ELSE IF Idx(p) < PREFIX
    THEN IF Dist(p, Skip(p)) < n THEN ChainSlots(Skip(p), n - Dist(p, Skip(p))) ELSE {}
    ELSE LET c == buf[Idx(p)] IN
         IF c.k = "E" THEN {Idx(p)}
         ELSE IF c.k \in {"H", "D"} /\ c.size \in 1..n /\ Idx(p) + c.size <= CAPACITY
              THEN SlotsBetween(p, Add(p, c.size)) \cup ChainSlots(Add(p, c.size), n - c.size)
              ELSE {}

\* A producer crash: its private state is lost, and so is the meaning of every
\* byte it wrote beyond what the consumer can reach (an open claim, the
\* headers of an unpublished batch): they become arbitrary.
CrashProducer ==
    /\ ppc \notin {"down", "poisoned", "fooled"}
    /\ pCrashes < MAXCRASH
    /\ LET live == ChainSlots(consumerPosition, CAPACITY) IN
       buf' = [i \in Slots |-> IF i \in live THEN buf[i] ELSE Garbage]
    /\ ppc' = "down" /\ tail' = 0 /\ cachedConsumerPosition' = 0
    /\ claimSize' = 0 /\ written' = 0 /\ unpub' = 0 /\ held' = NoHeld
    /\ pCrashes' = pCrashes + 1
    /\ UNCHANGED <<producerPosition, consumerPosition, consVars, pubCount, ackCount, cCrashes>>

\* RingProducer attach/open: read both published positions (two reads; the
\* producer position cannot change in between: its only writer is the one
\* attaching, so one step) and start the scan for the frontier at the later
\* of the two: the lazy producer position may lag behind the consumer, whose
\* position is always a record boundary with only this lap's records after it.
\* Validated: the two are at most CAPACITY apart.  (ScanFrom(_, _) is a
\* parameter only for the mutant RecoveryFromProducerPosition.)
LaterOf(p, c) == IF Dist(c, p) <= CAPACITY THEN p ELSE c

AttachProducerWith(ScanFrom(_, _)) ==
    /\ ppc = "down"
    /\ IF Dist(consumerPosition, producerPosition) <= CAPACITY
          \/ Dist(producerPosition, consumerPosition) <= CAPACITY
       THEN /\ ppc' = "scan"
            /\ tail' = ScanFrom(producerPosition, consumerPosition)
            /\ cachedConsumerPosition' = consumerPosition
       ELSE /\ ppc' = "poisoned" /\ UNCHANGED <<tail, cachedConsumerPosition>>
    /\ UNCHANGED <<shared, claimSize, written, unpub, held, consVars, ghostVars>>

AttachProducer == AttachProducerWith(LaterOf)

\* RingProducer.findEnd [SharedRing.readRecordHeader, acquire]: one header of
\* the recovery scan per step, validated as the consumer validates it, never
\* past cachedConsumerPosition + CAPACITY (so at most one lap: bounded); the
\* end marker is the frontier.  (Stop(_) is a parameter only for the mutant
\* RecoveryScanStopsEarly.)
ScanForEndWith(Stop(_)) ==
    /\ ppc = "scan"
    /\ LET p == ProducerSkip(tail)
           c == buf[Idx(p)]
           n == CAPACITY - Dist(cachedConsumerPosition, p)
       IN CASE n < 1 ->                 \* a chain with no end marker within one lap
                    ppc' = "poisoned" /\ UNCHANGED tail
            [] Arbitrary(c) ->
                    ppc' = "fooled" /\ UNCHANGED tail
            [] c.k = "E" \/ Stop(c) ->
                    ppc' = "idle" /\ tail' = p
            [] c.k \in {"H", "D"} /\ c.size \in 1..n-1 /\ Idx(p) + c.size <= CAPACITY
               /\ (c.k = "D" => c.size = ToEnd(p)) ->   \* room for the end marker after it
                    tail' = Add(p, c.size) /\ UNCHANGED ppc
            [] OTHER ->
                    ppc' = "poisoned" /\ UNCHANGED tail
    /\ UNCHANGED <<shared, cachedConsumerPosition, claimSize, written, unpub, held,
                   consVars, ghostVars>>

ScanForEnd == ScanForEndWith(LAMBDA c : FALSE)

CrashConsumer ==
    /\ cpc \notin {"down", "poisoned", "fooled"}
    /\ cCrashes < MAXCRASH
    /\ cpc' = "down" /\ head' = 0
    /\ batch' = <<>> /\ hdr' = NoHdr /\ rd' = 0
    /\ cCrashes' = cCrashes + 1
    /\ UNCHANGED <<shared, prodVars, pubCount, ackCount, pCrashes>>

\* RingConsumer attach/open: resume at the published consumer position; the
\* records handed out since the last publish are delivered again.  (One read:
\* the consumer never needs the producer position.)
AttachConsumer ==
    /\ cpc = "down"
    /\ cpc' = "poll"
    /\ head' = consumerPosition
    /\ UNCHANGED <<shared, prodVars, batch, hdr, rd, ghostVars>>

-----------------------------------------------------------------------------
ProducerWork == \/ \E s \in SIZES : TryClaim(s)
                \/ RefreshConsumerPosition
                \/ WriteEndMarker
                \/ WritePadding
                \/ WritePayload
                \/ FinishPayload
                \/ WriteRecordHeader
                \/ Publish
                \/ PublishProducerPosition
                \/ ScanForEnd

ConsumerWork == \/ ReadRecordHeader
                \/ ReadPayload
                \/ PublishConsumerPosition

Environment  == \/ Abort
                \/ CrashProducer \/ AttachProducer \/ CrashConsumer \/ AttachConsumer

Next == ProducerWork \/ ConsumerWork \/ Environment

\* Weak fairness on each side's own work and on restarting; none on crashing
\* or aborting.
Fairness == /\ WF_vars(ProducerWork) /\ WF_vars(ConsumerWork)
            /\ WF_vars(AttachProducer) /\ WF_vars(AttachConsumer)

SafetySpec == Init /\ [][Next]_vars
Spec       == SafetySpec /\ Fairness

-----------------------------------------------------------------------------
(***************************** refinement **********************************)
(* The abstract queue is what the consumer can reach from the published    *)
(* consumer position: the chain of headers up to the first end marker,     *)
(* parsed as the consumer would.  A header whose payload is not (yet) that *)
(* record's, arbitrary bytes, or a chain with no end marker within one lap *)
(* maps to a record that is not in BoundedFifo's Rec, so reaching it is    *)
(* not an abstract step.                                                   *)

BadRec == [id |-> BadId, size |-> 0]

RecordAt(i, c) ==
    IF \A j \in 1..c.size-1 : buf[i + j].k = "P" /\ buf[i + j].id = c.id
    THEN [id |-> c.id, size |-> c.size]
    ELSE BadRec

RECURSIVE Parse(_, _)
Parse(p, n) ==
    IF n = 0 THEN <<BadRec>>
    ELSE IF Idx(p) < PREFIX
    THEN IF Dist(p, Skip(p)) < n THEN Parse(Skip(p), n - Dist(p, Skip(p))) ELSE <<BadRec>>
    ELSE LET i == Idx(p)
             c == buf[i]
         IN IF c.k = "E" THEN <<>>
            ELSE IF c.k = "D" /\ c.size = CAPACITY - i /\ c.size < n
            THEN Parse(Add(p, c.size), n - c.size)
            ELSE IF c.k = "H" /\ c.size \in 1..n-1 /\ i + c.size <= CAPACITY
                 THEN <<RecordAt(i, c)>> \o Parse(Add(p, c.size), n - c.size)
                 ELSE <<BadRec>>

AbsQueue == Parse(consumerPosition, CAPACITY)

Abs == INSTANCE BoundedFifo WITH queue <- AbsQueue, enq <- pubCount, deq <- ackCount

\* The ring implements the bounded FIFO: every step is an abstract Enqueue
\* (Publish), Dequeue (PublishConsumerPosition) or stutter.
Refinement == Abs!SafetySpec

-----------------------------------------------------------------------------
(***************************** invariants **********************************)

ProducerUp == ppc \notin {"down", "poisoned", "fooled", "scan"}
ConsumerUp == cpc \notin {"down", "poisoned", "fooled"}

TypeOK ==
    /\ buf \in [Slots -> Cell]
    /\ producerPosition \in Pos /\ consumerPosition \in Pos
    /\ ppc \in {"idle", "full", "padend", "pad", "claimed", "end", "commit", "scan",
                "down", "poisoned", "fooled"}
    /\ tail \in Pos /\ cachedConsumerPosition \in Pos
    /\ claimSize \in {0} \cup SIZES /\ written \in 0..MaxLen /\ unpub \in 0..MAXBATCH
    /\ held \in [pos : Pos, size : {0} \cup SIZES]
    /\ cpc \in {"poll", "payload", "publish", "down", "poisoned", "fooled"}
    /\ head \in Pos
    /\ batch \in Seq(Ids \cup {BadId}) /\ Len(batch) <= LIMIT
    /\ hdr \in [id : Ids, size : 0..MaxLen, ok : BOOLEAN] /\ rd \in 0..MaxLen
    /\ pubCount \in Ids /\ ackCount \in Ids
    /\ pCrashes \in 0..MAXCRASH /\ cCrashes \in 0..MAXCRASH

\* With honest peers the validation never fires (hostile peers: not modelled).
NeverPoisoned == ppc # "poisoned" /\ cpc # "poisoned"

\* Neither the consumer nor a recovery scan ever reads, as a header, bytes
\* that were not written as a header for that very position in this lap:
\* stale bytes of an earlier lap, payload bytes that imitate a header and the
\* file's initial bytes are never trusted.
NeverFooled == ppc # "fooled" /\ cpc # "fooled"

\* consumerPosition <= head, and everything the producer uses lies within one
\* lap after its cached consumer position, which is not ahead of the real one.
PositionsInBounds ==
    /\ ConsumerUp => Dist(consumerPosition, head) <= CAPACITY
    /\ ProducerUp =>
         /\ Dist(cachedConsumerPosition, consumerPosition) <= Dist(cachedConsumerPosition, tail)
         /\ Dist(cachedConsumerPosition, tail) <= CAPACITY
    /\ Dist(consumerPosition, producerPosition) <= CAPACITY
         \/ Dist(producerPosition, consumerPosition) <= CAPACITY

\* The slots the producer is about to write (its open claim, padding and end
\* marker included) end at or before consumerPosition + CAPACITY: they are
\* free, never bytes the consumer has not released (published past).
ClaimSpan == IF ppc \in {"padend", "pad"} THEN Need(tail, claimSize)
             ELSE Dist(tail, ProducerSkip(Add(tail, claimSize))) + 1
NoOverwriteUnread ==
    ppc \in {"padend", "pad", "claimed", "end"} => Dist(consumerPosition, tail) + ClaimSpan <= CAPACITY

\* The prefix slots of every lap are never written (in a region they hold
\* the ring's header page, or the region's directory).
NeverInPrefix == \A i \in 0..PREFIX-1 : buf[i] = Garbage

\* The consumer never reads uncommitted bytes: every slot it has read holds the
\* committed record's bytes (none overwritten, none stale, none unwritten).
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
       IF ppc \notin {"down", "poisoned", "fooled"}
       THEN <<CanonPos(tail), CanonPos(cachedConsumerPosition)>> ELSE <<tail, cachedConsumerPosition>>,
       claimSize, written, unpub,
       IF unpub > 0 THEN [held EXCEPT !.pos = CanonPos(held.pos)] ELSE held,
       cpc,
       IF ConsumerUp THEN CanonPos(head) ELSE head,
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
